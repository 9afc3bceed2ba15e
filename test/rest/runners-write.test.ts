import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addGroupMember, addProjectMember, createGroup, createProject, createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

describe('PUT /api/v4/runners/:id', () => {
  it('updates from a multipart form, as the docs’ curl --form does, and replaces the tag list', async () => {
    const admin = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { tagList: ['old'] });

    const res = await server.rest('PUT', `/runners/${runner.id}`, {
      token: admin.token,
      multipart: { description: 'test-1-20150125-test', tag_list: 'ruby,mysql,tag1,tag2' },
    });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toMatchObject({ id: runner.id, description: 'test-1-20150125-test', tag_list: ['ruby', 'mysql', 'tag1', 'tag2'] });
  });

  it('takes JSON, form and query parameters, and the deprecated `active`', async () => {
    const admin = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);

    expect(
      (await server.rest('PUT', `/runners/${runner.id}`, { token: admin.token, json: { paused: true, tag_list: ['a', 'b'] } })).body,
    ).toMatchObject({ paused: true, active: false, tag_list: ['a', 'b'] });
    expect(
      (await server.rest('PUT', `/runners/${runner.id}`, { token: admin.token, form: { active: 'true', 'tag_list[]': ['x', 'y'] } })).body,
    ).toMatchObject({ paused: false, tag_list: ['x', 'y'] });
    expect(
      (await server.rest('PUT', `/runners/${runner.id}?access_level=ref_protected&maximum_timeout=3600`, { token: admin.token })).body,
    ).toMatchObject({ access_level: 'ref_protected', maximum_timeout: 3600 });
  });

  it('answers parameter errors with Grape’s messages and model errors per attribute', async () => {
    const admin = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    const put = (body: Record<string, unknown>) => server.rest('PUT', `/runners/${runner.id}`, { token: admin.token, json: body });

    expect((await put({})).body).toEqual({
      error:
        'description, active, paused, tag_list, run_untagged, locked, access_level, maximum_timeout, maintenance_note are missing, at least one parameter must be provided',
    });
    expect((await put({ active: true, paused: true })).body).toEqual({ error: 'active, paused are mutually exclusive' });
    expect((await put({ access_level: 'foo' })).body).toEqual({ error: 'access_level does not have a valid value' });
    expect((await put({ maximum_timeout: 'abc' })).body).toEqual({ error: 'maximum_timeout is invalid' });
    const invalid = await put({ maximum_timeout: 100 });
    expect(invalid).toMatchObject({ status: 400, body: { message: { maximum_timeout: ['needs to be at least 10 minutes'] } } });
    expect((await put({ run_untagged: false })).body).toEqual({
      message: { tags_list: ['can not be empty when runner is not allowed to pick untagged jobs'] },
    });
    const unchanged = await server.rest('GET', `/runners/${runner.id}`, { token: admin.token });
    expect(unchanged.body).toMatchObject({ maximum_timeout: null, run_untagged: true });
  });

  it('lets group Owners, not Maintainers, update a group runner; project Reporters may not', async () => {
    const group = await createGroup(server.db);
    const owner = await createUser(server.db);
    const maintainer = await createUser(server.db);
    await addGroupMember(server.db, group.id, owner.user.id, AccessLevel.OWNER);
    await addGroupMember(server.db, group.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { groupId: group.id });

    expect((await server.rest('PUT', `/runners/${runner.id}`, { token: owner.token, json: { description: 'mine' } })).status).toBe(200);
    expect((await server.rest('PUT', `/runners/${runner.id}`, { token: maintainer.token, json: { description: 'x' } })).body).toEqual({
      message: '403 Forbidden - No access granted',
    });
    const readOnly = await createUser(server.db, { scopes: ['read_api'], admin: true });
    expect((await server.rest('PUT', `/runners/${runner.id}`, { token: readOnly.token, json: { description: 'x' } })).body).toMatchObject({
      error: 'insufficient_scope',
      scope: 'api manage_runner',
    });
  });
});

describe('DELETE /api/v4/runners/:id', () => {
  it('deletes with 204 and an empty body', async () => {
    const project = await createProject(server.db);
    const maintainer = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });

    const res = await server.rest('DELETE', `/runners/${runner.id}`, { token: maintainer.token });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await server.rest('DELETE', `/runners/${runner.id}`, { token: maintainer.token })).body).toEqual({
      message: '404 Runner Not Found',
    });
  });

  it('refuses a runner of several projects to non-admins, and honours If-Unmodified-Since', async () => {
    const first = await createProject(server.db);
    const second = await createProject(server.db);
    const maintainer = await createUser(server.db);
    await addProjectMember(server.db, first.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { projectIds: [first.id, second.id] });
    expect((await server.rest('DELETE', `/runners/${runner.id}`, { token: maintainer.token })).body).toEqual({
      message: '403 Forbidden - Runner associated with more than one project',
    });

    const admin = await createUser(server.db, { admin: true });
    const stale = await server.rest('DELETE', `/runners/${runner.id}`, {
      token: admin.token,
      headers: { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' },
    });
    expect(stale).toMatchObject({ status: 412, body: { message: '412 Precondition Failed' } });
    expect(
      (await server.rest('DELETE', `/runners/${runner.id}`, { token: admin.token, headers: { 'if-unmodified-since': 'not a date' } }))
        .status,
    ).toBe(204);
  });
});

describe('strings the database cannot store', () => {
  it('refuses a NUL character in a parameter with 400, in REST and in GraphQL', async () => {
    const admin = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    expect(await server.rest('PUT', `/runners/${runner.id}`, { token: admin.token, json: { description: 'a\u0000b' } })).toMatchObject({
      status: 400,
      body: { error: 'description is invalid' },
    });
    const res = await server.graphql(
      `mutation($id: CiRunnerID!, $d: String) { runnerUpdate(input: { id: $id, description: $d }) { errors } }`,
      { id: `gid://gitlab/Ci::Runner/${runner.id}`, d: 'a\u0000b' },
      admin.token,
    );
    expect(res.errors?.[0]).toMatchObject({ message: 'Strings cannot contain null bytes', extensions: { code: 'BAD_USER_INPUT' } });
  });
});
