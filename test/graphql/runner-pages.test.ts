import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
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
import { EXTERNAL_URL, useTestServer } from '../support/server.ts';

const server = useTestServer();

// The fields and arguments GitLab's runner list, detail and edit pages read, asked for with our own queries.

const ids = (nodes: { id: string }[]) => nodes.map((node) => node.id);

describe('users, groups and projects as runner pages show them', () => {
  it("gives a user's web path and URL, and a group's and a project's avatar (null without one)", async () => {
    const { user, token } = await createUser(server.db, { username: 'ada' });
    const group = await server.graphql(
      `mutation { groupCreate(input: { name: "Tools", path: "tools", avatarUrl: "https://cdn.example.com/tools.png" }) { group { avatarUrl } errors } }`,
      {},
      token,
    );
    expect(group.data?.groupCreate).toEqual({ group: { avatarUrl: 'https://cdn.example.com/tools.png' }, errors: [] });
    const project = await server.graphql(
      `mutation { projectCreate(input: { name: "Plain", path: "plain" }) { project { avatarUrl } errors } }`,
      {},
      token,
    );
    expect(project.data?.projectCreate).toEqual({ project: { avatarUrl: null }, errors: [] });
    const bad = await server.graphql(
      `mutation { projectCreate(input: { name: "Bad", path: "bad", avatarUrl: "ftp://x" }) { errors } }`,
      {},
      token,
    );
    expect(bad.data?.projectCreate.errors).toEqual(['Avatar url is not a valid URL']);

    const res = await server.graphql(`{ currentUser { webPath webUrl } }`, {}, token);
    expect(res.data?.currentUser).toEqual({ webPath: '/ada', webUrl: `${EXTERNAL_URL}/ada` });
    const { runner } = await createRunner(server.db);
    await server.db.runner.update({ where: { id: runner.id }, data: { creatorId: user.id } });
    const admin = await createUser(server.db, { admin: true });
    const creator = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { createdBy { webPath webUrl } } }`,
      { id: runnerGid(runner.id) },
      admin.token,
    );
    expect(creator.data?.runner.createdBy).toEqual({ webPath: '/ada', webUrl: `${EXTERNAL_URL}/ada` });
  });
});

describe('runner URLs', () => {
  it('gives administrators the admin area pages of a runner, and nobody else', async () => {
    const admin = await createUser(server.db, { admin: true });
    const user = await createUser(server.db);
    const { runner } = await createRunner(server.db);
    const query = `query($id: CiRunnerID!) { runner(id: $id) { adminUrl editAdminUrl } }`;
    const asAdmin = await server.graphql(query, { id: runnerGid(runner.id) }, admin.token);
    expect(asAdmin.data?.runner).toEqual({
      adminUrl: `${EXTERNAL_URL}/admin/runners/${runner.id}`,
      editAdminUrl: `${EXTERNAL_URL}/admin/runners/${runner.id}/edit`,
    });
    // Instance runners are visible to every user, but their admin pages are not theirs.
    const asUser = await server.graphql(query, { id: runnerGid(runner.id) }, user.token);
    expect(asUser.data?.runner).toEqual({ adminUrl: null, editAdminUrl: null });
  });

  it("links each runner of a group's list to the group's runner pages, and of a project's list to the project's", async () => {
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const owner = await createUser(server.db);
    await addGroupMember(server.db, group.id, owner.user.id, AccessLevel.OWNER);
    const { runner: groupRunner } = await createRunner(server.db, { groupId: group.id });
    const { runner: projectRunner } = await createRunner(server.db, { projectIds: [project.id] });
    const edges = `edges { webUrl editUrl node { id } }`;

    const inGroup = await server.graphql(
      `query($path: ID!) { group(fullPath: $path) { runners(membership: DIRECT) { ${edges} } } }`,
      { path: group.fullPath },
      owner.token,
    );
    expect(inGroup.data?.group.runners.edges).toEqual([
      {
        webUrl: `${EXTERNAL_URL}/groups/${group.fullPath}/-/runners/${groupRunner.id}`,
        editUrl: `${EXTERNAL_URL}/groups/${group.fullPath}/-/runners/${groupRunner.id}/edit`,
        node: { id: runnerGid(groupRunner.id) },
      },
    ]);

    const inProject = await server.graphql(
      `query($path: ID!) { project(fullPath: $path) { runners(type: PROJECT_TYPE) { ${edges} } } }`,
      { path: project.pathWithNamespace },
      owner.token,
    );
    expect(inProject.data?.project.runners.edges).toEqual([
      {
        webUrl: `${EXTERNAL_URL}/${project.pathWithNamespace}/-/runners/${projectRunner.id}`,
        editUrl: `${EXTERNAL_URL}/${project.pathWithNamespace}/-/runners/${projectRunner.id}/edit`,
        node: { id: runnerGid(projectRunner.id) },
      },
    ]);

    // The same group runner, listed in the project, links to the project's page for it.
    const groupRunnerInProject = await server.graphql(
      `query($path: ID!) { project(fullPath: $path) { runners(type: GROUP_TYPE) { edges { webUrl } } } }`,
      { path: project.pathWithNamespace },
      owner.token,
    );
    expect(groupRunnerInProject.data?.project.runners.edges).toEqual([
      { webUrl: `${EXTERNAL_URL}/${project.pathWithNamespace}/-/runners/${groupRunner.id}` },
    ]);

    // Lists that belong to no group or project have no such pages.
    const mine = await server.graphql(`{ currentUser { runners { edges { webUrl editUrl } } } }`, {}, owner.token);
    expect(mine.data?.currentUser.runners.edges).toContainEqual({ webUrl: null, editUrl: null });
  });
});

describe('runner list arguments', () => {
  it('finds the runners a user created by their username, in any case', async () => {
    const admin = await createUser(server.db, { admin: true });
    const creator = await createUser(server.db, { username: 'Grace' });
    const { runner: hers } = await createRunner(server.db);
    await createRunner(server.db);
    await server.db.runner.update({ where: { id: hers.id }, data: { creatorId: creator.user.id } });
    const query = `query($name: String) { runners(creatorUsername: $name) { count nodes { id } } }`;

    const found = await server.graphql(query, { name: 'grace' }, admin.token);
    expect(found.data?.runners).toEqual({ count: 1, nodes: [{ id: runnerGid(hers.id) }] });
    const nobody = await server.graphql(query, { name: 'nobody' }, admin.token);
    expect(nobody.data?.runners).toEqual({ count: 0, nodes: [] });
  });

  it("searches and sorts a runner's projects, among those the viewer can see", async () => {
    const group = await createGroup(server.db);
    const [alpha, beta, gamma] = [
      await createProject(server.db, { group, path: 'alpha-service' }),
      await createProject(server.db, { group, path: 'beta-service' }),
      await createProject(server.db, { group, path: 'gamma-tool' }),
    ];
    const hidden = await createProject(server.db, { path: 'hidden-service' });
    const maintainer = await createUser(server.db);
    await addGroupMember(server.db, group.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { projectIds: [beta!.id, hidden.id, gamma!.id, alpha!.id] });
    const query = `query($id: CiRunnerID!, $search: String, $sort: String, $first: Int, $after: String) {
      runner(id: $id) { projects(search: $search, sort: $sort, first: $first, after: $after) {
        nodes { id avatarUrl } pageInfo { hasNextPage endCursor } } } }`;
    const projects = async (variables: Record<string, unknown>) => {
      const res = await server.graphql(query, { id: runnerGid(runner.id), ...variables }, maintainer.token);
      expect(res.errors).toBeUndefined();
      return res.data?.runner.projects;
    };
    const pid = (project: { id: number }) => gid('Project', project.id);

    // Unsorted: oldest assignment first.
    expect(ids((await projects({})).nodes)).toEqual([pid(beta!), pid(gamma!), pid(alpha!)]);
    expect(ids((await projects({ search: 'SERVICE' })).nodes)).toEqual([pid(beta!), pid(alpha!)]);
    expect(ids((await projects({ sort: 'path_desc' })).nodes)).toEqual([pid(gamma!), pid(beta!), pid(alpha!)]);
    const first = await projects({ sort: 'path_asc', first: 2 });
    expect(ids(first.nodes)).toEqual([pid(alpha!), pid(beta!)]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await projects({ sort: 'path_asc', first: 2, after: first.pageInfo.endCursor });
    expect(ids(rest.nodes)).toEqual([pid(gamma!)]);

    const bad = await server.graphql(query, { id: runnerGid(runner.id), sort: 'stars_desc' }, maintainer.token);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(bad.errors?.[0]?.message).toMatch(/^sort must be one of id_asc, id_desc, name_asc/);
  });

  it('lists the runners you could assign to a project: not locked and not assigned there yet', async () => {
    const group = await createGroup(server.db);
    const target = await createProject(server.db, { group });
    const other = await createProject(server.db, { group });
    const elsewhere = await createProject(server.db);
    const maintainer = await createUser(server.db);
    await addGroupMember(server.db, group.id, maintainer.user.id, AccessLevel.MAINTAINER);
    await addProjectMember(server.db, elsewhere.id, maintainer.user.id, AccessLevel.DEVELOPER);
    const { runner: assignable } = await createRunner(server.db, { projectIds: [other.id], contactedAt: new Date() });
    const { runner: offline } = await createRunner(server.db, { projectIds: [other.id] });
    await createRunner(server.db, { projectIds: [other.id], locked: true });
    await createRunner(server.db, { projectIds: [other.id, target.id] });
    await createRunner(server.db, { projectIds: [elsewhere.id] }); // only a Developer there
    await createRunner(server.db, { groupId: group.id });
    const query = `query($path: ID, $status: CiRunnerStatus) { currentUser { runners(assignableToProjectPath: $path, status: $status) {
      count nodes { id userPermissions { assignRunner } } } } }`;

    const res = await server.graphql(query, { path: target.pathWithNamespace }, maintainer.token);
    expect(res.data?.currentUser.runners.count).toBe(2);
    expect(res.data?.currentUser.runners.nodes).toEqual([
      { id: runnerGid(offline.id), userPermissions: { assignRunner: true } },
      { id: runnerGid(assignable.id), userPermissions: { assignRunner: true } },
    ]);
    const online = await server.graphql(query, { path: target.pathWithNamespace, status: 'ONLINE' }, maintainer.token);
    expect(ids(online.data?.currentUser.runners.nodes)).toEqual([runnerGid(assignable.id)]);

    // Assigning one takes it off the list.
    const assign = await server.graphql(
      `mutation($id: CiRunnerID!, $path: ID!) { runnerAssignToProject(input: { runnerId: $id, projectPath: $path }) { errors } }`,
      { id: runnerGid(assignable.id), path: target.pathWithNamespace },
      maintainer.token,
    );
    expect(assign.data?.runnerAssignToProject.errors).toEqual([]);
    const after = await server.graphql(query, { path: target.pathWithNamespace }, maintainer.token);
    expect(ids(after.data?.currentUser.runners.nodes)).toEqual([runnerGid(offline.id)]);

    // A project you cannot see, or that does not exist, has nothing assignable.
    const stranger = await createProject(server.db);
    for (const path of [stranger.pathWithNamespace, 'no/such-project']) {
      const none = await server.graphql(query, { path }, maintainer.token);
      expect(none.data?.currentUser.runners).toEqual({ count: 0, nodes: [] });
    }
  });
});
