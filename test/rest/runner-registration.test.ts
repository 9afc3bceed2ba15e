import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { addGroupMember, addProjectMember, createGroup, createProject, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

describe('POST /api/v4/runners (register with a registration token)', () => {
  it('registers an instance runner from a form, as the docs’ curl does, and answers 201 with its token', async () => {
    const registration = await resetRegistrationToken(server.db, { kind: 'instance' });

    const res = await server.rest('POST', '/runners', {
      multipart: { token: registration, description: 'test-1-20150125-test', tag_list: 'ruby,mysql,tag1,tag2' },
    });

    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(res.body)).toEqual(['id', 'token', 'token_expires_at']);
    // Registered with a registration token: GitLab's `t1_` form (instance type), never the `glrt-` of created runners.
    expect(res.body.token).toMatch(/^t1_/);
    const admin = await createUser(server.db, { admin: true });
    const details = await server.rest('GET', `/runners/${res.body.id}`, { token: admin.token });
    expect(details.body).toMatchObject({
      runner_type: 'instance_type',
      description: 'test-1-20150125-test',
      tag_list: ['ruby', 'mysql', 'tag1', 'tag2'],
    });
  });

  it('takes the type and owner from the token: a project token registers a runner of that project', async () => {
    const project = await createProject(server.db);
    const registration = await resetRegistrationToken(server.db, { kind: 'project', projectId: project.id });
    const res = await server.rest('POST', '/runners', {
      json: { token: registration, info: { name: 'host-1', version: '17.2.0' }, paused: true },
    });
    expect(res.status).toBe(201);

    const admin = await createUser(server.db, { admin: true });
    const details = await server.rest('GET', `/runners/${res.body.id}`, { token: admin.token });
    // GitLab keeps only `info.name` at registration; version and the other host facts arrive with the host's contacts.
    expect(details.body).toMatchObject({
      runner_type: 'project_type',
      name: 'host-1',
      version: null,
      paused: true,
      projects: [{ id: project.id }],
    });
    expect(res.body.token).toMatch(/^t3_/);
  });

  it('refuses a missing, unknown or blank token, and invalid attributes, with GitLab’s bodies', async () => {
    const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
    expect(await server.rest('POST', '/runners', { json: {} })).toMatchObject({ status: 400, body: { error: 'token is missing' } });
    expect(await server.rest('POST', '/runners', { json: { token: 'nope' } })).toMatchObject({
      status: 403,
      body: { message: '403 Forbidden - invalid token supplied' },
    });
    expect(await server.rest('POST', '/runners', { json: { token: '' } })).toMatchObject({ status: 403 });
    expect(await server.rest('POST', '/runners', { json: { token: registration, run_untagged: false } })).toMatchObject({
      status: 400,
      body: { message: { tags_list: ['can not be empty when runner is not allowed to pick untagged jobs'] } },
    });
    expect((await server.rest('POST', '/runners', { json: { token: registration, active: true, paused: false } })).body).toEqual({
      error: 'active, paused are mutually exclusive',
    });
  });
});

describe('runner authentication tokens', () => {
  it('verifies (200), resets (201) and unregisters (204) by token, as a runner does', async () => {
    const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
    const { body: runner } = await server.rest('POST', '/runners', { form: { token: registration } });

    const verified = await server.rest('POST', '/runners/verify', { form: { token: runner.token } });
    expect(verified).toMatchObject({ status: 200, body: { id: runner.id, token: runner.token, token_expires_at: null } });
    expect(await server.rest('POST', '/runners/verify', { form: { token: 'glrt-unknown' } })).toMatchObject({
      status: 403,
      body: { message: '403 Forbidden' },
    });

    const reset = await server.rest('POST', '/runners/reset_authentication_token', { json: { token: runner.token } });
    expect(reset.status).toBe(201);
    expect(reset.body.token).not.toBe(runner.token);
    expect((await server.rest('POST', '/runners/verify', { form: { token: runner.token } })).status).toBe(403);

    const deleted = await server.rest('DELETE', '/runners', { form: { token: reset.body.token } });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await server.rest('DELETE', '/runners', { form: { token: reset.body.token } })).status).toBe(403);
    expect((await server.rest('DELETE', '/runners', {})).body).toEqual({ error: 'token is missing' });
  });

  it('lets a verified runner show as online', async () => {
    const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
    const { body: runner } = await server.rest('POST', '/runners', { form: { token: registration } });
    await server.rest('POST', '/runners/verify', { form: { token: runner.token } });
    const admin = await createUser(server.db, { admin: true });
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: admin.token })).body).toMatchObject({
      online: true,
      status: 'online',
    });
  });

  it('POST /runners/:id/reset_authentication_token lets an updater rotate the token', async () => {
    const admin = await createUser(server.db, { admin: true });
    const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
    const { body: runner } = await server.rest('POST', '/runners', { form: { token: registration } });
    const res = await server.rest('POST', `/runners/${runner.id}/reset_authentication_token`, { token: admin.token });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(['token', 'token_expires_at']);
    const stranger = await createUser(server.db);
    expect((await server.rest('POST', `/runners/${runner.id}/reset_authentication_token`, { token: stranger.token })).body).toEqual({
      message: '403 Forbidden - No access granted',
    });
  });
});

describe('POST /api/v4/user/runners and registration token resets', () => {
  it('creates a runner for a project Maintainer and returns its glrt- token once', async () => {
    const { user, token } = await createUser(server.db);
    const project = await createProject(server.db);
    await addProjectMember(server.db, project.id, user.id, AccessLevel.MAINTAINER);

    const res = await server.rest('POST', '/user/runners', {
      token,
      json: { runner_type: 'project_type', project_id: project.id, description: 'made by me' },
    });
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^glrt-t3_/);
    expect((await server.rest('POST', '/runners/verify', { form: { token: res.body.token } })).status).toBe(200);
    expect((await server.rest('POST', '/user/runners', { token, json: { runner_type: 'group_type' } })).body).toEqual({
      error: 'group_id is missing',
    });
    expect((await server.rest('POST', '/user/runners', { token, json: { runner_type: 'instance_type' } })).status).toBe(403);
  });

  it('resets the instance, group and project registration tokens for admins, Owners and Maintainers', async () => {
    const admin = await createUser(server.db, { admin: true });
    const owner = await createUser(server.db);
    const group = await createGroup(server.db);
    await addGroupMember(server.db, group.id, owner.user.id, AccessLevel.OWNER);
    const project = await createProject(server.db, { group });

    const instance = await server.rest('POST', '/runners/reset_registration_token', { token: admin.token });
    expect(instance.status).toBe(201);
    expect((await server.rest('POST', '/runners/reset_registration_token', { token: owner.token })).status).toBe(403);
    const forGroup = await server.rest('POST', `/groups/${group.id}/runners/reset_registration_token`, { token: owner.token });
    expect(forGroup.status).toBe(201);
    const forProject = await server.rest(
      'POST',
      `/projects/${encodeURIComponent(project.pathWithNamespace)}/runners/reset_registration_token`,
      { token: owner.token },
    );
    expect(forProject.status).toBe(201);

    const registered = await server.rest('POST', '/runners', { json: { token: forGroup.body.token } });
    const details = await server.rest('GET', `/runners/${registered.body.id}`, { token: admin.token });
    expect(details.body).toMatchObject({ runner_type: 'group_type', groups: [{ id: group.id }] });
    expect((await server.rest('POST', '/runners', { json: { token: instance.body.token } })).status).toBe(201);
  });
});
