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
  runnerGid,
} from '../support/factories.ts';
import { type GraphQLResponse, useTestServer } from '../support/server.ts';

const server = useTestServer();
const HOUR = 3600_000;

describe('Query.runner', () => {
  it('returns a runner by its GitLab global ID, with its derived status', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, {
      description: 'alpha',
      contactedAt: new Date(Date.now() - HOUR),
      tagList: ['ruby', 'linux'],
    });

    const res = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { id description status paused active runnerType tagList online } }`,
      { id: runnerGid(runner.id) },
      token,
    );

    expect(res.errors).toBeUndefined();
    expect(res.data?.runner).toEqual({
      id: runnerGid(runner.id),
      description: 'alpha',
      status: 'ONLINE',
      paused: false,
      active: true,
      runnerType: 'INSTANCE_TYPE',
      tagList: ['ruby', 'linux'],
      online: true,
    });
  });

  it('is null for a runner that does not exist', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const res = await server.graphql(`{ runner(id: "gid://gitlab/Ci::Runner/999999") { id } }`, {}, token);
    expect(res.data).toEqual({ runner: null });
  });

  it('refuses a malformed global ID with a clear error', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const res = await server.graphql(`{ runner(id: "gid://gitlab/Project/1") { id } }`, {}, token);
    expect(res.errors?.[0]?.message).toContain('does not represent an instance of Ci::Runner');
    const res2 = await server.graphql(`query($id: CiRunnerID!) { runner(id: $id) { id } }`, { id: 'nope' }, token);
    expect(res2.errors?.[0]?.message).toContain('"nope" is not a valid Global ID');
  });

  it('answers a runner you may not read as one that does not exist (null), and UNAUTHENTICATED without a token', async () => {
    const { token } = await createUser(server.db);
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });

    const notYours = await server.graphql(`query($id: CiRunnerID!) { runner(id: $id) { id } }`, { id: runnerGid(runner.id) }, token);
    const missing = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { id } }`,
      { id: runnerGid(runner.id + 100_000) },
      token,
    );
    expect(notYours).toEqual({ status: 200, data: { runner: null } });
    expect(missing).toEqual(notYours);

    const anonymous = await server.graphql(`query($id: CiRunnerID!) { runner(id: $id) { id } }`, { id: runnerGid(runner.id) });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets a project Maintainer read the runners of the project, but not a Reporter', async () => {
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const maintainer = await createUser(server.db);
    const reporter = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    await addProjectMember(server.db, project.id, reporter.user.id, AccessLevel.REPORTER);
    const query = `query($id: CiRunnerID!) { runner(id: $id) { id ownerProject { fullPath } } }`;

    const allowed = await server.graphql(query, { id: runnerGid(runner.id) }, maintainer.token);
    expect(allowed.data?.runner).toEqual({ id: runnerGid(runner.id), ownerProject: { fullPath: project.pathWithNamespace } });
    const refused = await server.graphql(query, { id: runnerGid(runner.id) }, reporter.token);
    expect(refused.data).toEqual({ runner: null });
  });
});

describe('Query.runners', () => {
  it('is for administrators only', async () => {
    const { token } = await createUser(server.db);
    const res = await server.graphql(`{ runners { count } }`, {}, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('filters by type, status, paused, tags, search and version, and counts the matches', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    const online = await createRunner(server.db, {
      description: 'filter-online',
      groupId: group.id,
      contactedAt: new Date(),
      tagList: ['gpu', 'linux'],
      version: '16.1.2',
    });
    await createRunner(server.db, { description: 'filter-paused', paused: true, tagList: ['linux'], version: '160.1.0' });
    await createRunner(server.db, { description: 'filter-stale', createdAt: new Date(Date.now() - 30 * 24 * HOUR) });
    // Stale the other way: contacted, but not for ten days (the count adds the never-contacted and the contacted).
    await createRunner(server.db, {
      description: 'filter-stale-contacted',
      createdAt: new Date(Date.now() - 29 * 24 * HOUR),
      contactedAt: new Date(Date.now() - 10 * 24 * HOUR),
    });
    const ids = async (args: string) => {
      const res = await server.graphql(`{ runners(search: "filter-", ${args}) { count nodes { description } } }`, {}, token);
      expect(res.errors).toBeUndefined();
      return res.data?.runners;
    };

    expect(await ids('type: GROUP_TYPE')).toEqual({ count: 1, nodes: [{ description: 'filter-online' }] });
    expect(await ids('status: ONLINE')).toEqual({ count: 1, nodes: [{ description: 'filter-online' }] });
    expect(await ids('status: STALE')).toEqual({
      count: 2,
      nodes: [{ description: 'filter-stale-contacted' }, { description: 'filter-stale' }],
    });
    expect(await ids('paused: true')).toEqual({ count: 1, nodes: [{ description: 'filter-paused' }] });
    expect((await ids('tagList: ["linux"], sort: CREATED_ASC')).nodes).toEqual([
      { description: 'filter-online' },
      { description: 'filter-paused' },
    ]);
    expect(await ids('tagList: ["linux", "gpu"]')).toEqual({ count: 1, nodes: [{ description: 'filter-online' }] });
    expect(await ids('versionPrefix: "16"')).toEqual({ count: 1, nodes: [{ description: 'filter-online' }] });
    const byToken = await server.graphql(`query($s: String) { runners(search: $s) { nodes { id } } }`, { s: online.token }, token);
    expect(byToken.data?.runners.nodes).toEqual([{ id: runnerGid(online.runner.id) }]);
  });

  it('pages forward with cursors', async () => {
    const { token } = await createUser(server.db, { admin: true });
    for (let i = 0; i < 5; i++) await createRunner(server.db, { description: `page-${i}` });
    const page = (after?: string) =>
      server.graphql(
        `query($after: String) { runners(search: "page-", first: 2, after: $after, sort: CREATED_ASC) { count pageInfo { hasNextPage endCursor } nodes { description } } }`,
        { after },
        token,
      );
    const first = await page();
    expect(first.data?.runners.nodes).toEqual([{ description: 'page-0' }, { description: 'page-1' }]);
    expect(first.data?.runners.count).toBe(5);
    const second = await page(first.data?.runners.pageInfo.endCursor);
    expect(second.data?.runners.nodes).toEqual([{ description: 'page-2' }, { description: 'page-3' }]);
  });

  it('rejects bad input with clear errors, never an internal one', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const cases = [
      `{ runners(type: NOT_A_TYPE) { count } }`,
      `{ runners(first: -1) { count } }`,
      `{ runners(after: "garbage") { count } }`,
      `{ runners(versionPrefix: "v16") { count } }`,
      `{ runners(search: "${'x'.repeat(300)}") { count } }`,
    ];
    for (const query of cases) {
      const res = await server.graphql(query, {}, token);
      expect(res.errors?.length, query).toBeGreaterThan(0);
      expect(res.errors?.[0]?.extensions?.code, query).not.toBe('INTERNAL_SERVER_ERROR');
      expect(res.errors?.[0]?.message, query).not.toBe('Unexpected error.');
    }
  });

  it('lists 100 runners with projects and groups in a constant number of SQL statements', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const query = `{ runners(first: 100, search: "nplus") { nodes { id status maintenanceNote jobCount
      projects(first: 10) { nodes { fullPath } } groups { edges { node { fullPath } } } ownerProject { id } } } }`;
    const measure = async () => {
      let res: GraphQLResponse | undefined;
      const count = await server.countQueries(async () => {
        res = await server.graphql(query, {}, token);
      });
      expect(res?.errors).toBeUndefined();
      return { count, nodes: res?.data?.runners.nodes.length };
    };
    const add = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const { runner } = await createRunner(
          server.db,
          i % 2 ? { description: `nplus ${i}`, groupId: group.id } : { description: `nplus ${i}`, projectIds: [project.id] },
        );
        await createJob(server.db, { projectId: project.id, runnerId: runner.id });
      }
    };
    await add(2);
    await measure(); // warms up: the token's first use records last_used_at once
    const few = await measure();
    await add(98);
    await measure(); // adding 98 runners may outlast the principal cache (10 s) on a busy machine: warm it again
    const many = await measure();
    expect(many.nodes).toBe(100);
    expect(many.count).toBe(few.count);
  });
});

describe('membership-scoped runner lists', () => {
  it("lists a group's runners for its Maintainers, with the ancestors' runners they may read under ALL_AVAILABLE", async () => {
    const parent = await createGroup(server.db);
    const child = await createGroup(server.db, { parent });
    const { user, token } = await createUser(server.db);
    await addGroupMember(server.db, child.id, user.id, AccessLevel.MAINTAINER);
    const own = await createRunner(server.db, { groupId: child.id, description: 'child runner' });
    const inherited = await createRunner(server.db, { groupId: parent.id, description: 'parent runner' });
    const query = `query($path: ID!, $m: CiRunnerMembershipFilter) { group(fullPath: $path) { runners(membership: $m, type: GROUP_TYPE, sort: CREATED_ASC) { count nodes { id } } } }`;

    const direct = await server.graphql(query, { path: child.fullPath, m: 'DIRECT' }, token);
    expect(direct.data?.group.runners.nodes).toEqual([{ id: runnerGid(own.runner.id) }]);
    // An empty subgroup uses none of the parent's runners, so its Maintainer may not read them (as in GitLab's
    // runner policy): the list leaves them out, as `runner(id)` does.
    const empty = await server.graphql(query, { path: child.fullPath, m: 'ALL_AVAILABLE' }, token);
    expect(empty.data?.group.runners).toEqual({ count: 1, nodes: [{ id: runnerGid(own.runner.id) }] });
    // A project of theirs that uses group runners makes the parent's runner theirs to see.
    await createProject(server.db, { group: child });
    const available = await server.graphql(query, { path: child.fullPath, m: 'ALL_AVAILABLE' }, token);
    expect(available.data?.group.runners).toEqual({
      count: 2,
      nodes: [{ id: runnerGid(own.runner.id) }, { id: runnerGid(inherited.runner.id) }],
    });
  });

  it("lists under ALL_AVAILABLE of a top-level group its own runners, its descendants' and the instance's", async () => {
    const top = await createGroup(server.db);
    const sub = await createGroup(server.db, { parent: top });
    const project = await createProject(server.db, { group: sub });
    const { user, token } = await createUser(server.db);
    await addGroupMember(server.db, top.id, user.id, AccessLevel.MAINTAINER);
    const own = await createRunner(server.db, { groupId: top.id });
    const ofSubgroup = await createRunner(server.db, { groupId: sub.id });
    const ofProject = await createRunner(server.db, { projectIds: [project.id] });
    const instance = await createRunner(server.db, { runnerType: 'instance_type' });
    const elsewhere = await createRunner(server.db, { groupId: (await createGroup(server.db)).id });
    const query = `query($path: ID!) { group(fullPath: $path) { runners(membership: ALL_AVAILABLE, sort: CREATED_ASC) { count nodes { id } } } }`;

    const res = await server.graphql(query, { path: top.fullPath }, token);
    const ids = res.data?.group.runners.nodes.map((node: { id: string }) => node.id);
    expect(ids).toEqual(expect.arrayContaining([own, ofSubgroup, ofProject, instance].map(({ runner }) => runnerGid(runner.id))));
    expect(ids).not.toContain(runnerGid(elsewhere.runner.id));
    expect(res.data?.group.runners.count).toBe(ids.length);
  });

  it('shows currentUser.runners: project runners you maintain and group runners you own, never instance runners', async () => {
    const { user, token } = await createUser(server.db);
    const group = await createGroup(server.db);
    const project = await createProject(server.db);
    await addGroupMember(server.db, group.id, user.id, AccessLevel.OWNER);
    await addProjectMember(server.db, project.id, user.id, AccessLevel.MAINTAINER);
    const groupRunner = await createRunner(server.db, { groupId: group.id });
    const projectRunner = await createRunner(server.db, { projectIds: [project.id] });
    await createRunner(server.db, {});

    const res = await server.graphql(`{ currentUser { username runners(sort: CREATED_ASC) { count nodes { id } } } }`, {}, token);
    expect(res.data?.currentUser.runners).toEqual({
      count: 2,
      nodes: [{ id: runnerGid(groupRunner.runner.id) }, { id: runnerGid(projectRunner.runner.id) }],
    });
  });
});

describe('CiRunner connections', () => {
  it('answer through `nodes` as well as `edges.node`', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const { runner: groupRunner } = await createRunner(server.db, { groupId: group.id });
    const { runner: projectRunner } = await createRunner(server.db, { projectIds: [project.id] });
    await createJob(server.db, { projectId: project.id, runnerId: projectRunner.id });
    const query = `query($g: CiRunnerID!, $p: CiRunnerID!) {
      g: runner(id: $g) { groups { nodes { fullPath } } ownerProject { id } }
      p: runner(id: $p) { projects { nodes { fullPath } } ownerProject { fullPath } }
      q: runner(id: $p) { jobs { nodes { status name project { fullPath } } } }
    }`;
    const res = await server.graphql(query, { g: runnerGid(groupRunner.id), p: runnerGid(projectRunner.id) }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      g: { groups: { nodes: [{ fullPath: group.fullPath }] }, ownerProject: null },
      p: { projects: { nodes: [{ fullPath: project.pathWithNamespace }] }, ownerProject: { fullPath: project.pathWithNamespace } },
      q: { jobs: { nodes: [{ status: 'SUCCESS', name: expect.any(String), project: { fullPath: project.pathWithNamespace } }] } },
    });
  });
});
