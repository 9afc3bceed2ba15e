import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createJob, createProject, createRunner, createUser, gid, runnerGid } from '../support/factories.ts';
import { type LiveClient, subscribeSse, subscribeWs } from '../support/live.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

const RUNNER_UPDATED = `subscription($id: CiRunnerID!) { ciRunnerUpdated(runnerId: $id) { kind runnerId runner { description paused status } } }`;
const FLEET = `subscription($paused: Boolean, $projectId: ProjectID) {
  ciRunnersUpdated(paused: $paused, projectId: $projectId) { kind runnerId runner { description paused } } }`;
const JOB_STATUS = `subscription($id: CiBuildID!) { ciJobStatusUpdated(jobId: $id) { id status } }`;
const UPDATE = `mutation($input: RunnerUpdateInput!) { runnerUpdate(input: $input) { errors } }`;
const DELETE = `mutation($id: CiRunnerID!) { runnerDelete(input: { id: $id }) { errors } }`;

const transports = { SSE: subscribeSse, WebSocket: subscribeWs } as const;

async function open(
  subscribe: (typeof transports)[keyof typeof transports],
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<LiveClient> {
  // The set-up's own writes notify too; on PostgreSQL their notifications may still be on their way.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const client = subscribe(server.url, query, variables, token);
  await client.ready;
  return client;
}

describe.each(Object.entries(transports))('subscriptions over %s', (_name, subscribe) => {
  it('follows one runner: each committed change, then its deletion, then the end', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'before' });
    const live = await open(subscribe, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);

    await server.graphql(UPDATE, { input: { id: runnerGid(runner.id), description: 'after' } }, token);
    expect(await live.next()).toEqual({
      data: {
        ciRunnerUpdated: {
          kind: 'UPDATED',
          runnerId: runnerGid(runner.id),
          runner: { description: 'after', paused: false, status: 'NEVER_CONTACTED' },
        },
      },
    });

    await server.rest('PUT', `/runners/${runner.id}`, { token, form: { paused: 'true' } });
    expect((await live.next()).data?.ciRunnerUpdated.runner).toMatchObject({ paused: true });

    await server.graphql(DELETE, { id: runnerGid(runner.id) }, token);
    expect(await live.next()).toEqual({ data: { ciRunnerUpdated: { kind: 'DELETED', runnerId: runnerGid(runner.id), runner: null } } });
    await live.completed;
  });

  it("tells a runner's subscribers when a host registers with its token, though the runner row is untouched", async () => {
    const { token } = await createUser(server.db, { admin: true });
    const created = await server.graphql(
      `mutation { runnerCreate(input: { runnerType: INSTANCE_TYPE }) { runner { id ephemeralAuthenticationToken } errors } }`,
      {},
      token,
    );
    const { id, ephemeralAuthenticationToken: glrt } = created.data?.runnerCreate.runner ?? {};
    // The first host closes the registration window (a change of the runner row itself); the second touches only
    // its own manager row.
    expect((await server.rest('POST', '/runners/verify', { form: { token: glrt, system_id: 's_000000000001' } })).status).toBe(200);
    const live = await open(
      subscribe,
      `subscription($id: CiRunnerID!) { ciRunnerUpdated(runnerId: $id) { kind runner { status managers { count nodes { systemId } } } } }`,
      { id },
      token,
    );
    // A glrt- runner's verify records its host and leaves the runner "never contacted" (GitLab 16.x-17.x).
    expect((await server.rest('POST', '/runners/verify', { form: { token: glrt, system_id: 's_000000000002' } })).status).toBe(200);
    expect(await live.next()).toEqual({
      data: {
        ciRunnerUpdated: {
          kind: 'UPDATED',
          runner: {
            status: 'NEVER_CONTACTED',
            managers: { count: 2, nodes: [{ systemId: 's_000000000001' }, { systemId: 's_000000000002' }] },
          },
        },
      },
    });
    live.close();
  });

  it('refuses a runner the subscriber may not read, and sends a fleet subscriber nothing about it', async () => {
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const { token: admin } = await createUser(server.db, { admin: true });
    const { token: outsider } = await createUser(server.db);

    const refused = subscribe(server.url, RUNNER_UPDATED, { id: runnerGid(runner.id) }, outsider);
    expect((await refused.next()).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });

    const theirs = await open(subscribe, FLEET, {}, outsider);
    const admins = await open(subscribe, FLEET, {}, admin);
    await server.graphql(UPDATE, { input: { id: runnerGid(runner.id), description: 'secret' } }, admin);
    expect((await admins.next()).data?.ciRunnersUpdated).toMatchObject({ kind: 'UPDATED', runner: { description: 'secret' } });
    expect(await theirs.quiet(300)).toEqual([]);
    theirs.close();
    admins.close();
  });

  it('keeps a filtered fleet current: runners enter, change in and leave the set', async () => {
    const project = await createProject(server.db);
    const { user, token } = await createUser(server.db);
    await addProjectMember(server.db, project.id, user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { projectIds: [project.id], description: 'one' });
    const live = await open(subscribe, FLEET, { paused: false, projectId: gid('Project', project.id) }, token);

    await server.graphql(UPDATE, { input: { id: runnerGid(runner.id), description: 'uno' } }, token);
    expect((await live.next()).data?.ciRunnersUpdated).toEqual({
      kind: 'UPDATED',
      runnerId: runnerGid(runner.id),
      runner: { description: 'uno', paused: false },
    });
    await server.graphql(UPDATE, { input: { id: runnerGid(runner.id), paused: true } }, token);
    expect((await live.next()).data?.ciRunnersUpdated).toEqual({
      kind: 'LEFT',
      runnerId: runnerGid(runner.id),
      runner: { description: 'uno', paused: true },
    });
    await server.graphql(UPDATE, { input: { id: runnerGid(runner.id), paused: false } }, token);
    expect((await live.next()).data?.ciRunnersUpdated).toMatchObject({ kind: 'ENTERED', runnerId: runnerGid(runner.id) });
    const create = await server.graphql(
      `mutation($input: RunnerCreateInput!) { runnerCreate(input: $input) { runner { id } errors } }`,
      { input: { runnerType: 'PROJECT_TYPE', projectId: gid('Project', project.id), description: 'two' } },
      token,
    );
    const created = { id: Number(create.data?.runnerCreate.runner.id.split('/').pop()) };
    expect((await live.next()).data?.ciRunnersUpdated).toMatchObject({
      kind: 'ENTERED',
      runnerId: runnerGid(created.id),
      runner: { description: 'two' },
    });
    await server.graphql(DELETE, { id: runnerGid(created.id) }, token);
    expect((await live.next()).data?.ciRunnersUpdated).toEqual({ kind: 'DELETED', runnerId: runnerGid(created.id), runner: null });
    live.close();
  });

  it("follows a job's status with GitLab's ciJobStatusUpdated", async () => {
    const { user, token } = await createUser(server.db);
    const project = await createProject(server.db);
    await addProjectMember(server.db, project.id, user.id, AccessLevel.DEVELOPER);
    const job = await createJob(server.db, { projectId: project.id, status: 'pending' });
    const live = await open(subscribe, JOB_STATUS, { id: gid('Ci::Build', job.id) }, token);

    const res = await server.graphql(
      `mutation($id: JobID!) { jobTransition(input: { id: $id, event: CANCEL }) { errors } }`,
      { id: gid('Ci::Build', job.id) },
      token,
    );
    expect(res.data?.jobTransition.errors).toEqual([]);
    expect(await live.next()).toEqual({ data: { ciJobStatusUpdated: { id: gid('Ci::Build', job.id), status: 'CANCELED' } } });
    live.close();
  });

  it('ends the subscription when its token is revoked', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    const live = await open(subscribe, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);

    await server.db.personalAccessToken.updateMany({ where: { revoked: false, user: { admin: true } }, data: { revoked: true } });
    const last = await live.next();
    expect(last.errors?.[0]).toMatchObject({
      message: 'Token was revoked. You have to re-authorize from the user.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    await live.completed;
  });

  it('holds subscriptions to the depth limit of queries', async () => {
    const { token } = await createUser(server.db);
    const deep = `subscription { ciRunnersUpdated { runner { ownerProject { group { ${'parent { '.repeat(20)}id${' }'.repeat(20)} } } } } }`;
    const live = subscribe(server.url, deep, {}, token);
    expect((await live.next()).errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'depth' });
    live.close();
  });
});

describe('SSE as browsers and curl open it', () => {
  it('serves a GET, with the token in the URL as EventSource must send it, or in a header as curl does', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const query = encodeURIComponent(
      `subscription { ciRunnerUpdated(runnerId: "${runnerGid(runner.id)}") { kind runner { description } } }`,
    );
    const streams = [
      await fetch(`${server.url}/graphql?private_token=${token}&query=${query}`, { headers: { accept: 'text/event-stream' } }),
      await fetch(`${server.url}/graphql?query=${query}`, { headers: { accept: 'text/event-stream', 'private-token': token } }),
    ];
    for (const stream of streams) expect([stream.status, stream.headers.get('content-type')]).toEqual([200, 'text/event-stream']);

    await server.graphql(UPDATE, { input: { id: runnerGid(runner.id), description: 'seen by both' } }, token);
    for (const stream of streams) {
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      while (!text.includes('seen by both')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toContain('event: next\ndata: {"data":{"ciRunnerUpdated":{"kind":"UPDATED","runner":{"description":"seen by both"}}}}');
      await reader.cancel();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('the listening connection', () => {
  it('is opened again when PostgreSQL drops it, and later changes are delivered', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    const live = await open(subscribeSse, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);

    const dropped = await server.db.$queryRaw<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pg_terminate_backend(pid)`;
    expect(dropped).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await server.graphql(UPDATE, { input: { id: runnerGid(runner.id), description: 'after the drop' } }, token);
    expect((await live.next()).data?.ciRunnerUpdated.runner).toMatchObject({ description: 'after the drop' });
    live.close();
  });

  it('delivers, once it is back, the changes committed while it was down', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'before' });
    const { runner: other } = await createRunner(server.db, { description: 'doomed' });
    const one = await open(subscribeSse, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);
    const fleet = await open(subscribeWs, FLEET, {}, token);

    // The listening connection is gone (waited for) before this transaction commits: its notifications reach no one.
    await server.db.$transaction(async (tx) => {
      const dropped = await tx.$queryRaw<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pg_terminate_backend(pid, 5000)`;
      expect(dropped).toHaveLength(1);
      await tx.runner.update({ where: { id: runner.id }, data: { description: 'during the outage' } });
      await tx.runner.delete({ where: { id: other.id } });
    });

    expect((await one.next()).data?.ciRunnerUpdated).toMatchObject({ kind: 'UPDATED', runner: { description: 'during the outage' } });
    const heard = [(await fleet.next()).data?.ciRunnersUpdated, (await fleet.next()).data?.ciRunnersUpdated];
    expect(heard).toEqual(
      expect.arrayContaining([
        { kind: 'UPDATED', runnerId: runnerGid(runner.id), runner: { description: 'during the outage', paused: false } },
        { kind: 'DELETED', runnerId: runnerGid(other.id), runner: null },
      ]),
    );
    one.close();
    fleet.close();
  });
});

describe('publishing', () => {
  it('publishes nothing for a rolled-back change', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'kept' });
    const live = await open(subscribeSse, RUNNER_UPDATED, { id: runnerGid(runner.id) }, token);

    await server.db
      .$transaction(async (tx) => {
        await tx.runner.update({ where: { id: runner.id }, data: { description: 'rolled back' } });
        throw new Error('abandon');
      })
      .catch(() => {});
    expect(await live.quiet(300)).toEqual([]);
    live.close();
  });
});
