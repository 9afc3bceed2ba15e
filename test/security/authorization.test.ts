import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import {
  addGroupMember,
  addProjectMember,
  createGroup,
  createJob,
  createProject,
  createRunner,
  createUser,
  gid,
  runnerGid,
} from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// What a token may read and do, checked the way an attacker with an ordinary account would probe it: every path
// through the graph, both APIs, and several mutations in one request.

const server = useTestServer();

const INSUFFICIENT_SCOPE = 'The request requires higher privileges than provided by the access token.';

/** A project with a Maintainer, a runner of the project with a job, a pipeline, and a runner of its group. */
async function world() {
  const group = await createGroup(server.db);
  const project = await createProject(server.db, { group });
  const maintainer = await createUser(server.db);
  await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
  const { runner } = await createRunner(server.db, { projectIds: [project.id], description: 'mine' });
  const { runner: groupRunner } = await createRunner(server.db, { groupId: group.id });
  await createJob(server.db, { projectId: project.id, runnerId: runner.id });
  const narrow = async (scope: 'manage_runner' | 'create_runner') => {
    const { token } = await createUser(server.db, { username: `${scope}-${project.id}`, scopes: [scope] });
    const user = await server.db.user.findUniqueOrThrow({ where: { username: `${scope}-${project.id}` } });
    await addProjectMember(server.db, project.id, user.id, AccessLevel.MAINTAINER);
    return token;
  };
  return { group, project, maintainer, runner, groupRunner, narrow };
}

describe('token scopes bound the whole request, not only its root field', () => {
  it('lets a manage_runner token read its runner, but nothing the runner leads to beyond what its REST answers show', async () => {
    const { runner, narrow } = await world();
    const token = await narrow('manage_runner');
    const id = runnerGid(runner.id);

    const own = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { id description projects { nodes { fullPath } } jobs { count nodes { id project { id } } } } }`,
      { id },
      token,
    );
    expect(own.errors).toBeUndefined();
    expect(own.data?.runner).toMatchObject({ id, description: 'mine', jobs: { count: 1 } });

    // `refused:` marks the field the token may not follow; whatever else the answer holds, that is null.
    for (const path of [
      'ownerProject { refused: pipelines { nodes { id } } }',
      'ownerProject { refused: runners { nodes { id } } }',
      'ownerProject { refused: group { id } }',
      'projects(first: 1) { nodes { refused: runners(first: 5) { nodes { id } } } }',
      'jobs { nodes { pipeline { refused: jobs { nodes { id } } } } }',
      'jobs { nodes { refused: runner { id } } }',
    ]) {
      const res = await server.graphql(`query($id: CiRunnerID!) { runner(id: $id) { id ${path} } }`, { id }, token);
      expect(res.errors?.[0]?.extensions, path).toMatchObject({ code: 'INSUFFICIENT_SCOPE', scopes: ['api', 'read_api'] });
      expect(JSON.stringify(res.data), path).not.toMatch(/"refused":(?!null)/);
    }
    const me = await server.graphql(`{ currentUser { email } }`, {}, token);
    expect(me.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    expect(me.data).toEqual({ currentUser: null });
  });

  it("refuses a create_runner token the created runner's project beyond its own fields", async () => {
    const { project, narrow } = await world();
    const token = await narrow('create_runner');
    const create = `mutation($input: RunnerCreateInput!) { runnerCreate(input: $input) { runner { id ownerProject { fullPath SELECTION } } errors } }`;
    const input = { runnerType: 'PROJECT_TYPE', projectId: gid('Project', project.id) };

    const plain = await server.graphql(create.replace('SELECTION', ''), { input }, token);
    expect(plain.data?.runnerCreate.runner.ownerProject).toEqual({ fullPath: project.pathWithNamespace });
    const nested = await server.graphql(
      create.replace('SELECTION', 'runners { nodes { id } } pipelines { nodes { id } }'),
      { input },
      token,
    );
    expect(nested.errors?.map((error) => error.extensions?.code)).toEqual(['INSUFFICIENT_SCOPE', 'INSUFFICIENT_SCOPE']);
  });

  it("answers REST GET /user to a runner-only token with GitLab's insufficient_scope", async () => {
    const { narrow } = await world();
    for (const scope of ['manage_runner', 'create_runner'] as const) {
      const res = await server.rest('GET', '/user', { token: await narrow(scope) });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'insufficient_scope', error_description: INSUFFICIENT_SCOPE, scope: 'api read_api' });
    }
  });

  it('still serves a manage_runner token the REST routes it exists for', async () => {
    const { runner, narrow } = await world();
    const token = await narrow('manage_runner');
    expect((await server.rest('GET', `/runners/${runner.id}`, { token })).status).toBe(200);
    expect((await server.rest('GET', `/runners/${runner.id}/jobs`, { token })).body).toHaveLength(1);
    expect((await server.rest('PUT', `/runners/${runner.id}`, { token, form: { description: 'renamed' } })).status).toBe(200);
  });

  it('names only `api` in the scope hint of a write route, and the insufficient_scope body on every refusal', async () => {
    const { project, runner, narrow } = await world();
    const manage = await narrow('manage_runner');
    const { user, token: readOnly } = await createUser(server.db, { scopes: ['read_api'] });
    await addProjectMember(server.db, project.id, user.id, AccessLevel.MAINTAINER);

    const reset = await server.rest('POST', `/projects/${project.id}/runners/reset_registration_token`, { token: manage });
    expect(reset.status, reset.text).toBe(403);
    expect(reset.body, reset.text).toEqual({ error: 'insufficient_scope', error_description: INSUFFICIENT_SCOPE, scope: 'api' });
    expect(reset.headers.get('www-authenticate')).toContain('scope="api"');

    const assign = await server.rest('POST', `/projects/${project.id}/runners`, {
      token: readOnly,
      form: { runner_id: String(runner.id) },
    });
    expect(assign.status).toBe(403);
    expect(assign.body, assign.text).toMatchObject({ error: 'insufficient_scope', scope: 'api' });

    const all = await server.rest('GET', '/runners/all', { token: manage });
    expect(all.status).toBe(403);
    expect(all.body, all.text).toEqual({ error: 'insufficient_scope', error_description: INSUFFICIENT_SCOPE, scope: 'api read_api' });
  });
});

describe('a connection never returns what the object’s own field refuses', () => {
  it("hides an ancestor group's runners and the ancestor itself from a Maintainer of an empty subgroup", async () => {
    const top = await createGroup(server.db);
    const sub = await createGroup(server.db, { parent: top });
    const { user, token } = await createUser(server.db);
    await addGroupMember(server.db, sub.id, user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { groupId: top.id, description: 'secret' });

    const list = await server.graphql(
      `query($path: ID!) { group(fullPath: $path) { parent { fullPath name } runners(membership: ALL_AVAILABLE, type: GROUP_TYPE) { count nodes { id description } } } }`,
      { path: sub.fullPath },
      token,
    );
    expect(list.data).toEqual({ group: { parent: null, runners: { count: 0, nodes: [] } } });
    const byId = await server.graphql(`query($id: CiRunnerID!) { runner(id: $id) { id } }`, { id: runnerGid(runner.id) }, token);
    expect(byId.data).toEqual({ runner: null });
    const parent = await server.graphql(`query($path: ID!) { group(fullPath: $path) { id } }`, { path: top.fullPath }, token);
    expect(parent.data).toEqual({ group: null });
  });
});

describe('each mutation decides on the state as it is when it runs', () => {
  const ASSIGN = 'runnerAssignToProject(input: { runnerId: $id, projectPath: $path }) { errors }';

  it('refuses runnerDelete after runnerAssignToProject in the same request gave the runner a second project', async () => {
    const { runner, maintainer, group } = await world();
    const second = await createProject(server.db, { group });
    await addProjectMember(server.db, second.id, maintainer.user.id, AccessLevel.MAINTAINER);

    const res = await server.graphql(
      `mutation($id: CiRunnerID!, $path: ID!) { a: ${ASSIGN} d: runnerDelete(input: { id: $id }) { errors } }`,
      { id: runnerGid(runner.id), path: second.pathWithNamespace },
      maintainer.token,
    );
    expect(res.data?.a).toEqual({ errors: [] });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'Runner associated with more than one project' });
    expect(await server.db.runner.findUnique({ where: { id: runner.id } })).not.toBeNull();
  });

  it('refuses runnerUpdate after runnerUnassignFromProject in the same request took away the only link to it', async () => {
    const { runner, group } = await world();
    const second = await createProject(server.db, { group });
    const { user, token } = await createUser(server.db);
    await addProjectMember(server.db, second.id, user.id, AccessLevel.MAINTAINER);
    await server.db.runnerProject.create({ data: { runnerId: runner.id, projectId: second.id } });

    const res = await server.graphql(
      `mutation($id: CiRunnerID!, $path: ID!) {
        u: runnerUnassignFromProject(input: { runnerId: $id, projectPath: $path }) { errors }
        w: runnerUpdate(input: { id: $id, description: "taken over" }) { errors }
      }`,
      { id: runnerGid(runner.id), path: second.pathWithNamespace },
      token,
    );
    expect(res.data?.u).toEqual({ errors: [] });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'No access granted' });
    expect((await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } })).description).toBe('mine');
  });
});
