import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { digestToken } from '../../src/auth/tokens.ts';
import type { TokenScope } from '../../src/db/generated/enums.ts';
import {
  addGroupMember,
  addProjectMember,
  createGroup,
  createProject,
  createRunner,
  createUser,
  gid,
  runnerGid,
} from '../support/factories.ts';
import { type GraphQLResponse, useTestServer } from '../support/server.ts';

const server = useTestServer();

const CREATE = `mutation($input: RunnerCreateInput!) { runnerCreate(input: $input) {
  runner { id runnerType ephemeralAuthenticationToken shortSha maximumTimeout ownerProject { fullPath } groups { edges { node { fullPath } } } }
  errors attributeErrors { attribute message } } }`;
const UPDATE = `mutation($input: RunnerUpdateInput!) { runnerUpdate(input: $input) { runner { id description paused maximumTimeout } errors } }`;
const DELETE = `mutation($id: CiRunnerID!, $since: Time) { runnerDelete(input: { id: $id, unmodifiedSince: $since }) { errors } }`;
const ASSIGN = `mutation($runnerId: CiRunnerID!, $path: ID!) { runnerAssignToProject(input: { runnerId: $runnerId, projectPath: $path }) { errors } }`;
const UNASSIGN = `mutation($runnerId: CiRunnerID!, $path: ID!, $since: Time) {
  runnerUnassignFromProject(input: { runnerId: $runnerId, projectPath: $path, unmodifiedSince: $since }) { errors } }`;
const BULK_DELETE = `mutation($ids: [CiRunnerID!]!) { bulkRunnerDelete(input: { ids: $ids }) { deletedCount deletedIds errors } }`;
const BULK_PAUSE = `mutation($ids: [CiRunnerID!]!, $paused: Boolean!) {
  runnerBulkPause(input: { ids: $ids, paused: $paused }) { updatedCount updatedRunners { id paused } errors } }`;

const failure = (res: GraphQLResponse) => res.errors?.[0]?.extensions;
const exists = async (id: number) => (await server.db.runner.findUnique({ where: { id } })) !== null;
const projectPaths = async (runnerId: number) =>
  (await server.db.runnerProject.findMany({ where: { runnerId }, orderBy: { id: 'asc' }, include: { project: true } })).map(
    (link) => link.project.pathWithNamespace,
  );

/** The token of a new user with the given role on a group or on projects. */
async function member(
  target: { projects?: { id: number }[]; project?: { id: number }; group?: { id: number } },
  level: number,
  scopes?: TokenScope[],
) {
  const { user, token } = await createUser(server.db, { scopes });
  for (const project of [...(target.projects ?? []), ...(target.project ? [target.project] : [])]) {
    await addProjectMember(server.db, project.id, user.id, level);
  }
  if (target.group) await addGroupMember(server.db, target.group.id, user.id, level);
  return token;
}

describe('runnerCreate', () => {
  it('creates an instance runner for an admin and shows its glrt- token, storing only its digest (and a sealed copy)', async () => {
    const { token } = await createUser(server.db, { admin: true });

    const res = await server.graphql(CREATE, { input: { runnerType: 'INSTANCE_TYPE', maximumTimeout: 3600 } }, token);

    const runner = res.data?.runnerCreate.runner;
    expect(res.data?.runnerCreate.errors).toEqual([]);
    expect(runner.ephemeralAuthenticationToken).toMatch(/^glrt-/);
    expect(runner.shortSha).toBe(runner.ephemeralAuthenticationToken.slice(0, 13));
    const row = await server.db.runner.findUniqueOrThrow({ where: { id: Number(runner.id.split('/').pop()) } });
    expect(row).toMatchObject({
      runnerType: 'instance_type',
      registrationType: 'authenticated_user',
      tokenDigest: digestToken(runner.ephemeralAuthenticationToken),
    });
    expect(JSON.stringify(row)).not.toContain(runner.ephemeralAuthenticationToken.slice('glrt-'.length));
    // Another administrator is not its creator: the token stays the creator's (test/graphql/runner-registration.test.ts).
    const other = await createUser(server.db, { admin: true });
    const again = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { ephemeralAuthenticationToken } }`,
      { id: runner.id },
      other.token,
    );
    expect(again.data?.runner.ephemeralAuthenticationToken).toBeNull();
  });

  it('lets group Owners create group runners, not Maintainers; others do not see the group', async () => {
    const group = await createGroup(server.db);
    const input = { runnerType: 'GROUP_TYPE', groupId: gid('Group', group.id) };

    const created = await server.graphql(CREATE, { input }, await member({ group }, AccessLevel.OWNER));
    expect(created.data?.runnerCreate.runner.groups.edges).toEqual([{ node: { fullPath: group.fullPath } }]);
    expect(failure(await server.graphql(CREATE, { input }, await member({ group }, AccessLevel.MAINTAINER)))).toEqual({
      code: 'FORBIDDEN',
    });
    expect(failure(await server.graphql(CREATE, { input }, (await createUser(server.db)).token))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Group',
    });
    expect(
      failure(await server.graphql(CREATE, { input: { runnerType: 'GROUP_TYPE' } }, (await createUser(server.db, { admin: true })).token)),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'groupId',
    });
  });

  it('lets project Maintainers create project runners, not Reporters; non-admins no instance runners', async () => {
    const project = await createProject(server.db);
    const input = { runnerType: 'PROJECT_TYPE', projectId: gid('Project', project.id) };

    const created = await server.graphql(CREATE, { input }, await member({ project }, AccessLevel.MAINTAINER, ['create_runner']));
    expect(created.data?.runnerCreate.runner.ownerProject).toEqual({ fullPath: project.pathWithNamespace });
    expect(failure(await server.graphql(CREATE, { input }, await member({ project }, AccessLevel.REPORTER)))).toEqual({
      code: 'FORBIDDEN',
    });
    expect(failure(await server.graphql(CREATE, { input }, (await createUser(server.db)).token))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Project',
    });
    const maintainer = await member({ project }, AccessLevel.MAINTAINER);
    expect(failure(await server.graphql(CREATE, { input: { runnerType: 'INSTANCE_TYPE' } }, maintainer))).toEqual({ code: 'FORBIDDEN' });
  });

  it('needs an api or create_runner token', async () => {
    const input = { runnerType: 'INSTANCE_TYPE' };
    expect(failure(await server.graphql(CREATE, { input }))?.code).toBe('UNAUTHENTICATED');
    for (const scopes of [['read_api'], ['manage_runner']] as TokenScope[][]) {
      const { token } = await createUser(server.db, { admin: true, scopes });
      expect(failure(await server.graphql(CREATE, { input }, token)), scopes[0]).toMatchObject({
        code: 'INSUFFICIENT_SCOPE',
        scopes: ['api', 'create_runner'],
      });
    }
  });

  it('reports invalid attributes as errors and creates nothing', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const before = await server.db.runner.count();

    const res = await server.graphql(CREATE, { input: { runnerType: 'INSTANCE_TYPE', maximumTimeout: 100 } }, token);

    expect(res.data?.runnerCreate).toEqual({
      runner: null,
      errors: ['Maximum timeout needs to be at least 10 minutes'],
      attributeErrors: [{ attribute: 'maximum_timeout', message: 'needs to be at least 10 minutes' }],
    });
    expect(await server.db.runner.count()).toBe(before);
  });
});

describe('runnerUpdate', () => {
  const update = (id: number, token: string | undefined, changes: Record<string, unknown> = { description: 'changed' }) =>
    server.graphql(UPDATE, { input: { id: runnerGid(id), ...changes } }, token);

  it("lets group Owners update the group's runners, not Maintainers", async () => {
    const group = await createGroup(server.db);
    const { runner } = await createRunner(server.db, { groupId: group.id });

    const res = await update(runner.id, await member({ group }, AccessLevel.OWNER));
    expect(res.data?.runnerUpdate).toEqual({
      runner: { id: runnerGid(runner.id), description: 'changed', paused: false, maximumTimeout: null },
      errors: [],
    });
    expect(failure(await update(runner.id, await member({ group }, AccessLevel.MAINTAINER)))).toEqual({
      code: 'FORBIDDEN',
      reason: 'No access granted',
    });
  });

  it('lets project Maintainers and admins update project runners, not Reporters or strangers', async () => {
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });

    expect((await update(runner.id, await member({ project }, AccessLevel.MAINTAINER))).data?.runnerUpdate.errors).toEqual([]);
    expect((await update(runner.id, (await createUser(server.db, { admin: true })).token)).data?.runnerUpdate.errors).toEqual([]);
    expect(failure(await update(runner.id, await member({ project }, AccessLevel.REPORTER)))).toEqual({
      code: 'FORBIDDEN',
      reason: 'No access granted',
    });
    expect(failure(await update(runner.id, (await createUser(server.db)).token))).toEqual({
      code: 'FORBIDDEN',
      reason: 'No access granted',
    });
    const { runner: instance } = await createRunner(server.db);
    expect(failure(await update(instance.id, await member({ project }, AccessLevel.MAINTAINER)))?.reason).toBe('No access granted');
  });

  it('accepts api and manage_runner tokens, not read_api; NOT_FOUND comes before permission', async () => {
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });

    expect(
      (await update(runner.id, await member({ project }, AccessLevel.MAINTAINER, ['manage_runner']))).data?.runnerUpdate.errors,
    ).toEqual([]);
    expect(failure(await update(runner.id, await member({ project }, AccessLevel.MAINTAINER, ['read_api'])))?.code).toBe(
      'INSUFFICIENT_SCOPE',
    );
    expect(failure(await update(runner.id, undefined))?.code).toBe('UNAUTHENTICATED');
    expect(failure(await update(999_999, (await createUser(server.db)).token))).toMatchObject({ code: 'NOT_FOUND', resource: 'Runner' });
  });

  it('reports invalid values as errors and leaves the runner unchanged; maps the deprecated active', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'as before' });

    const invalid = await update(runner.id, token, { description: 'new', maximumTimeout: 100 });
    expect(invalid.data?.runnerUpdate).toEqual({ runner: null, errors: ['Maximum timeout needs to be at least 10 minutes'] });
    expect((await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } })).description).toBe('as before');

    expect((await update(runner.id, token, { active: false })).data?.runnerUpdate.runner.paused).toBe(true);
    const both = await update(runner.id, token, { active: true, paused: false });
    expect(both.errors?.[0]).toMatchObject({ message: 'active, paused are mutually exclusive', extensions: { code: 'BAD_USER_INPUT' } });
    // Like GitLab's parameter validation, this is answered before the runner is even looked up.
    expect(failure(await update(999_999, token, { active: true, paused: false }))?.code).toBe('BAD_USER_INPUT');
  });
});

describe('runnerDelete', () => {
  it('lets group Owners delete group runners, not Maintainers', async () => {
    const group = await createGroup(server.db);
    const { runner } = await createRunner(server.db, { groupId: group.id });

    expect(
      failure(await server.graphql(DELETE, { id: runnerGid(runner.id) }, await member({ group }, AccessLevel.MAINTAINER)))?.reason,
    ).toBe('No access granted');
    const res = await server.graphql(DELETE, { id: runnerGid(runner.id) }, await member({ group }, AccessLevel.OWNER, ['manage_runner']));
    expect(res.data?.runnerDelete).toEqual({ errors: [] });
    expect(await exists(runner.id)).toBe(false);
  });

  it('refuses a runner of several projects to non-admins, even Maintainers of them all', async () => {
    const [a, b] = [await createProject(server.db), await createProject(server.db)];
    const { runner } = await createRunner(server.db, { projectIds: [a.id, b.id] });
    const maintainer = await member({ projects: [a, b] }, AccessLevel.MAINTAINER);

    const res = await server.graphql(DELETE, { id: runnerGid(runner.id) }, maintainer);

    expect(failure(res)).toEqual({ code: 'FORBIDDEN', reason: 'Runner associated with more than one project' });
    const { token: admin } = await createUser(server.db, { admin: true });
    expect((await server.graphql(DELETE, { id: runnerGid(runner.id) }, admin)).data?.runnerDelete).toEqual({ errors: [] });
  });

  it('deletes a project runner for its Maintainer, honouring unmodifiedSince; read_api tokens may not', async () => {
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const id = runnerGid(runner.id);

    expect(failure(await server.graphql(DELETE, { id }, await member({ project }, AccessLevel.MAINTAINER, ['read_api'])))?.code).toBe(
      'INSUFFICIENT_SCOPE',
    );
    const maintainer = await member({ project }, AccessLevel.MAINTAINER);
    const early = await server.graphql(DELETE, { id, since: new Date(runner.updatedAt.getTime() - 1000).toISOString() }, maintainer);
    expect(failure(early)?.code).toBe('PRECONDITION_FAILED');
    expect(await exists(runner.id)).toBe(true);
    expect((await server.graphql(DELETE, { id, since: runner.updatedAt.toISOString() }, maintainer)).data?.runnerDelete).toEqual({
      errors: [],
    });
    expect(await exists(runner.id)).toBe(false);
  });
});

describe('runnerAssignToProject', () => {
  it('assigns a project runner to another project its user maintains; the first project stays the owner', async () => {
    const [home, other] = [await createProject(server.db), await createProject(server.db)];
    const { runner } = await createRunner(server.db, { projectIds: [home.id] });
    const token = await member({ projects: [home, other] }, AccessLevel.MAINTAINER);

    const res = await server.graphql(ASSIGN, { runnerId: runnerGid(runner.id), path: other.pathWithNamespace }, token);

    expect(res.data?.runnerAssignToProject).toEqual({ errors: [] });
    expect(await projectPaths(runner.id)).toEqual([home.pathWithNamespace, other.pathWithNamespace]);
    const again = await server.graphql(ASSIGN, { runnerId: runnerGid(runner.id), path: other.pathWithNamespace }, token);
    expect(again.errors?.[0]).toMatchObject({
      message: 'Validation failed: Runner projects runner has already been taken',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('checks the project first: NOT_FOUND if missing or invisible, FORBIDDEN below Maintainer, then the runner', async () => {
    const target = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [(await createProject(server.db)).id] });
    const assign = async (token: string, path = target.pathWithNamespace, id = runner.id) =>
      failure(await server.graphql(ASSIGN, { runnerId: runnerGid(id), path }, token));

    expect(await assign((await createUser(server.db)).token, 'no/such-project')).toMatchObject({ code: 'NOT_FOUND', resource: 'Project' });
    expect(await assign((await createUser(server.db)).token)).toMatchObject({ code: 'NOT_FOUND', resource: 'Project' });
    expect(await assign(await member({ project: target }, AccessLevel.DEVELOPER))).toEqual({ code: 'FORBIDDEN' });
    const maintainer = await member({ project: target }, AccessLevel.MAINTAINER);
    expect(await assign(maintainer, target.pathWithNamespace, 999_999)).toMatchObject({ code: 'NOT_FOUND', resource: 'Runner' });
    // A Maintainer of the target project only, not of the runner's project, may not take the runner.
    expect(await assign(maintainer)).toEqual({ code: 'FORBIDDEN', reason: 'No access granted' });
  });

  it('refuses group runners (even to admins), instance runners, and locked runners to non-admins', async () => {
    const group = await createGroup(server.db);
    const [home, target] = [await createProject(server.db, { group }), await createProject(server.db, { group })];
    const { token: admin } = await createUser(server.db, { admin: true });
    const owner = await member({ group }, AccessLevel.OWNER);
    const assign = async (token: string, id: number) =>
      failure(await server.graphql(ASSIGN, { runnerId: runnerGid(id), path: target.pathWithNamespace }, token));
    const groupRunner = (await createRunner(server.db, { groupId: group.id })).runner;
    const instanceRunner = (await createRunner(server.db)).runner;
    const locked = (await createRunner(server.db, { projectIds: [home.id], locked: true })).runner;

    expect(await assign(admin, groupRunner.id)).toEqual({ code: 'FORBIDDEN', reason: 'Runner is a group runner' });
    expect(await assign(owner, instanceRunner.id)).toEqual({ code: 'FORBIDDEN', reason: 'No access granted' });
    expect(await assign(admin, instanceRunner.id)).toEqual({ code: 'FORBIDDEN', reason: 'Runner is a shared runner' });
    expect(await assign(owner, locked.id)).toEqual({ code: 'FORBIDDEN', reason: 'Runner is locked' });
    expect(
      (await server.graphql(ASSIGN, { runnerId: runnerGid(locked.id), path: target.pathWithNamespace }, admin)).data?.runnerAssignToProject,
    ).toEqual({ errors: [] });
  });
});

describe('runnerUnassignFromProject', () => {
  async function sharedRunner(options: { locked?: boolean } = {}) {
    const group = await createGroup(server.db);
    const [home, other] = [await createProject(server.db, { group }), await createProject(server.db, { group })];
    const { runner } = await createRunner(server.db, { projectIds: [home.id, other.id], ...options });
    return { runner, home, other, maintainer: await member({ group }, AccessLevel.MAINTAINER) };
  }
  const unassign = (runnerId: number, path: string, token: string, since?: Date) =>
    server.graphql(UNASSIGN, { runnerId: runnerGid(runnerId), path, since: since?.toISOString() }, token);

  it('removes the runner from a project it was assigned to, honouring unmodifiedSince', async () => {
    const { runner, home, other, maintainer } = await sharedRunner();
    const link = await server.db.runnerProject.findFirstOrThrow({ where: { runnerId: runner.id, projectId: other.id } });

    expect(failure(await unassign(runner.id, other.pathWithNamespace, maintainer, new Date(link.updatedAt.getTime() - 1000)))?.code).toBe(
      'PRECONDITION_FAILED',
    );
    expect((await unassign(runner.id, other.pathWithNamespace, maintainer, link.updatedAt)).data?.runnerUnassignFromProject).toEqual({
      errors: [],
    });
    expect(await projectPaths(runner.id)).toEqual([home.pathWithNamespace]);
    expect(failure(await unassign(runner.id, other.pathWithNamespace, maintainer))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Runner',
    });
  });

  it('never unassigns the owner project, even for admins', async () => {
    const { runner, home } = await sharedRunner();
    const { token: admin } = await createUser(server.db, { admin: true });
    expect(failure(await unassign(runner.id, home.pathWithNamespace, admin))).toEqual({
      code: 'FORBIDDEN',
      reason: 'You cannot unassign a runner from the owner project. Delete the runner instead',
    });
  });

  it('refuses locked runners to non-admins, and users below Maintainer', async () => {
    const { runner, other, maintainer } = await sharedRunner({ locked: true });
    const developer = await member({ project: other }, AccessLevel.DEVELOPER);

    expect(failure(await unassign(runner.id, other.pathWithNamespace, developer))).toEqual({ code: 'FORBIDDEN' });
    expect(failure(await unassign(runner.id, other.pathWithNamespace, maintainer))).toEqual({
      code: 'FORBIDDEN',
      reason: 'Runner is locked',
    });
    const { token: admin } = await createUser(server.db, { admin: true });
    expect((await unassign(runner.id, other.pathWithNamespace, admin)).data?.runnerUnassignFromProject).toEqual({ errors: [] });
  });
});

describe('bulk operations', () => {
  async function mixedRunners() {
    const project = await createProject(server.db);
    const mine = (await createRunner(server.db, { projectIds: [project.id] })).runner;
    const notMine = (await createRunner(server.db, { projectIds: [(await createProject(server.db)).id] })).runner;
    return { mine, notMine, token: await member({ project }, AccessLevel.MAINTAINER) };
  }

  it('bulkRunnerDelete deletes the runners you may delete and names the others', async () => {
    const { mine, notMine, token } = await mixedRunners();

    const res = await server.graphql(BULK_DELETE, { ids: [mine.id, notMine.id, mine.id, 999_999].map(runnerGid) }, token);

    expect(res.data?.bulkRunnerDelete).toEqual({
      deletedCount: 1,
      deletedIds: [runnerGid(mine.id)],
      errors: [`User does not have permission to delete runner(s) #${notMine.id}`],
    });
    expect([await exists(mine.id), await exists(notMine.id)]).toEqual([false, true]);
    const none = await server.graphql(BULK_DELETE, { ids: [runnerGid(notMine.id)] }, token);
    expect(none.data?.bulkRunnerDelete).toEqual({
      deletedCount: 0,
      deletedIds: [],
      errors: ['User does not have permission to delete any of the runners'],
    });
  });

  it('runnerBulkPause pauses the runners you may update and names the others', async () => {
    const { mine, notMine, token } = await mixedRunners();

    const res = await server.graphql(BULK_PAUSE, { ids: [notMine.id, mine.id].map(runnerGid), paused: true }, token);

    expect(res.data?.runnerBulkPause).toEqual({
      updatedCount: 1,
      updatedRunners: [{ id: runnerGid(mine.id), paused: true }],
      errors: [`User does not have permission to update / pause runner(s) #${notMine.id}`],
    });
    expect((await server.db.runner.findUniqueOrThrow({ where: { id: notMine.id } })).paused).toBe(false);
    const { token: admin } = await createUser(server.db, { admin: true });
    const resumed = await server.graphql(BULK_PAUSE, { ids: [mine.id, notMine.id].map(runnerGid), paused: false }, admin);
    expect(resumed.data?.runnerBulkPause.updatedRunners).toEqual([
      { id: runnerGid(mine.id), paused: false },
      { id: runnerGid(notMine.id), paused: false },
    ]);
  });

  it('takes at most 50 runners, and an api token', async () => {
    const { token: admin } = await createUser(server.db, { admin: true });
    const { token: readOnly } = await createUser(server.db, { admin: true, scopes: ['read_api'] });
    const ids = Array.from({ length: 51 }, (_, i) => runnerGid(i + 1));

    expect((await server.graphql(BULK_DELETE, { ids }, admin)).errors?.[0]).toMatchObject({
      message: 'Can only delete up to 50 runners per call',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await server.graphql(BULK_PAUSE, { ids, paused: true }, admin)).errors?.[0]).toMatchObject({
      message: 'Can only pause up to 50 runners per call',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(failure(await server.graphql(BULK_DELETE, { ids: [] }, readOnly))?.code).toBe('INSUFFICIENT_SCOPE');
    expect((await server.graphql(BULK_DELETE, { ids: [] }, admin)).data?.bulkRunnerDelete).toEqual({
      deletedCount: 0,
      deletedIds: [],
      errors: [],
    });
  });
});
