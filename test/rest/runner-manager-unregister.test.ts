import { describe, expect, it } from 'vitest';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// DELETE /api/v4/runners/managers (GitLab 16.x+): one host of a runner removes itself with the runner's token and
// its system_id; the runner and its other hosts stay. Statuses and bodies as GitLab's
// spec/requests/api/ci/runner/runners_delete_spec.rb and lib/api/ci/runner.rb.

const server = useTestServer();

async function runnerWithHosts(...systemIds: string[]) {
  const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
  const { body } = await server.rest('POST', '/runners', { form: { token: registration } });
  for (const systemId of systemIds) await server.rest('POST', '/runners/verify', { json: { token: body.token, system_id: systemId } });
  return body as { id: number; token: string };
}

async function hosts(runnerId: number, token: string): Promise<string[]> {
  const res = await server.rest('GET', `/runners/${runnerId}/managers`, { token });
  return res.body.map((m: { system_id: string }) => m.system_id);
}

describe('DELETE /api/v4/runners/managers', () => {
  it('deletes that host: 204 with no body; the runner and its other hosts stay', async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await runnerWithHosts('s_one', 's_two');

    const res = await server.rest('DELETE', '/runners/managers', { form: { token: runner.token, system_id: 's_one' } });

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await hosts(runner.id, admin.token)).toEqual(['s_two']);
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: admin.token })).body).toMatchObject({ status: 'online' });
  });

  it("clears the runner's contact when its last host goes (GitLab's clear_heartbeat)", async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await runnerWithHosts('s_only');
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: admin.token })).body.status).toBe('online');

    // python-gitlab and curl send the parameters in the query string; GitLab reads them from either.
    const res = await server.rest('DELETE', `/runners/managers?token=${runner.token}&system_id=s_only`);

    expect(res.status).toBe(204);
    expect(await hosts(runner.id, admin.token)).toEqual([]);
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: admin.token })).body).toMatchObject({
      contacted_at: null,
      online: null,
      status: 'never_contacted',
    });
  });

  it('answers 404 "Runner manager not found" for a system_id the runner has no host with, and deletes nothing', async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await runnerWithHosts('s_one');
    const other = await runnerWithHosts('s_theirs');

    const unknown = await server.rest('DELETE', '/runners/managers', { form: { token: runner.token, system_id: 'unknown_system_id' } });
    // Another runner's host is not this runner's: the same 404.
    const theirs = await server.rest('DELETE', '/runners/managers', { form: { token: runner.token, system_id: 's_theirs' } });

    for (const res of [unknown, theirs]) {
      expect(res).toMatchObject({ status: 404, body: { message: '404 Runner manager not found Not Found' } });
    }
    expect(await hosts(runner.id, admin.token)).toEqual(['s_one']);
    expect(await hosts(other.id, admin.token)).toEqual(['s_theirs']);
  });

  it("needs both parameters (400, Grape's message) and a valid runner token (403)", async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await runnerWithHosts('s_one');

    expect(await server.rest('DELETE', '/runners/managers', { form: { token: runner.token } })).toMatchObject({
      status: 400,
      body: { error: 'system_id is missing' },
    });
    expect(await server.rest('DELETE', '/runners/managers', { form: { system_id: 's_one' } })).toMatchObject({
      status: 400,
      body: { error: 'token is missing' },
    });
    expect(await server.rest('DELETE', '/runners/managers', { form: { token: 'invalid', system_id: 's_one' } })).toMatchObject({
      status: 403,
      body: { message: '403 Forbidden' },
    });
    // A user's token is no runner token.
    expect(await server.rest('DELETE', '/runners/managers', { form: { token: admin.token, system_id: 's_one' } })).toMatchObject({
      status: 403,
    });
    expect(await hosts(runner.id, admin.token)).toEqual(['s_one']);
  });

  it("answers 412 when the host changed after If-Unmodified-Since (GitLab's destroy_conditionally! on the manager)", async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await runnerWithHosts('s_one');
    const before = new Date(Date.now() - 60_000).toUTCString();

    const refused = await server.rest('DELETE', '/runners/managers', {
      form: { token: runner.token, system_id: 's_one' },
      headers: { 'If-Unmodified-Since': before },
    });
    expect(refused).toMatchObject({ status: 412, body: { message: '412 Precondition Failed' } });
    expect(await hosts(runner.id, admin.token)).toEqual(['s_one']);

    const later = new Date(Date.now() + 60_000).toUTCString();
    const res = await server.rest('DELETE', '/runners/managers', {
      form: { token: runner.token, system_id: 's_one' },
      headers: { 'If-Unmodified-Since': later },
    });
    expect(res.status).toBe(204);
  });
});

describe('runnerManagerUnregister (GraphQL, the operation behind the REST route)', () => {
  const UNREGISTER = `mutation($input: RunnerManagerUnregisterInput!) { runnerManagerUnregister(input: $input) { errors } }`;

  it('deletes the host with the runner token and no user token; refuses a bad token and an unknown host', async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await runnerWithHosts('s_one', 's_two');

    const done = await server.graphql(UNREGISTER, { input: { token: runner.token, systemId: 's_two' } });
    expect(done).toEqual({ status: 200, data: { runnerManagerUnregister: { errors: [] } } });
    const left = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { managers { nodes { systemId } } } }`,
      {
        id: runnerGid(runner.id),
      },
      admin.token,
    );
    expect(left.data?.runner.managers.nodes).toEqual([{ systemId: 's_one' }]);

    const bad = await server.graphql(UNREGISTER, { input: { token: 'invalid', systemId: 's_one' } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const unknown = await server.graphql(UNREGISTER, { input: { token: runner.token, systemId: 's_two' } });
    expect(unknown.errors?.[0]).toMatchObject({ message: 'Runner manager not found', extensions: { code: 'NOT_FOUND' } });
  });
});
