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
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

const GROUP_CREATE = `mutation($input: GroupCreateInput!) {
  groupCreate(input: $input) { group { id name path fullPath fullName description parent { fullPath } } errors attributeErrors { attribute message } }
}`;

const PROJECT_CREATE = `mutation($input: ProjectCreateInput!) {
  projectCreate(input: $input) { project { id name fullPath nameWithNamespace description group { fullPath } } errors attributeErrors { attribute message } }
}`;

const GROUP_MEMBER_ADD = `mutation($input: GroupMemberAddInput!) {
  groupMemberAdd(input: $input) {
    groupMember { accessLevel { integerValue stringValue humanAccess } user { username } group { fullPath } }
    errors attributeErrors { attribute message }
  }
}`;

const PROJECT_MEMBER_ADD = `mutation($input: ProjectMemberAddInput!) {
  projectMemberAdd(input: $input) {
    projectMember { accessLevel { stringValue } user { username } project { fullPath } }
    errors attributeErrors { attribute message }
  }
}`;

const code = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions?.code;

describe('Mutation.groupCreate', () => {
  it('lets any user create a top-level group, of which they become the Owner', async () => {
    const { user, token } = await createUser(server.db);

    const res = await server.graphql(GROUP_CREATE, { input: { name: 'Acme', path: 'acme', description: 'Widgets' } }, token);

    expect(res.errors).toBeUndefined();
    const group = res.data?.groupCreate.group;
    expect(group).toEqual({
      id: expect.stringMatching(/^gid:\/\/gitlab\/Group\/\d+$/),
      name: 'Acme',
      path: 'acme',
      fullPath: 'acme',
      fullName: 'Acme',
      description: 'Widgets',
      parent: null,
    });
    const membership = await server.db.groupMember.findFirstOrThrow({ where: { userId: user.id } });
    expect(membership.accessLevel).toBe(AccessLevel.OWNER);

    // As Owner, they may create a subgroup, which knows its place in the tree.
    const sub = await server.graphql(GROUP_CREATE, { input: { name: 'Platform', path: 'platform', parentId: group.id } }, token);
    expect(sub.data?.groupCreate.group).toMatchObject({
      fullPath: 'acme/platform',
      fullName: 'Acme / Platform',
      parent: { fullPath: 'acme' },
    });
    const stored = await server.db.group.findUniqueOrThrow({ where: { fullPath: 'acme/platform' } });
    expect(stored.traversalIds).toEqual([Number(group.id.split('/').pop()), stored.id]);
  });

  it('needs Owner of the parent for a subgroup: FORBIDDEN to a Maintainer, NOT_FOUND to a stranger, fine for an admin', async () => {
    const parent = await createGroup(server.db);
    const maintainer = await createUser(server.db);
    await addGroupMember(server.db, parent.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const stranger = await createUser(server.db);
    const admin = await createUser(server.db, { admin: true });
    const input = { name: 'Child', path: 'child', parentId: gid('Group', parent.id) };

    expect(code(await server.graphql(GROUP_CREATE, { input }, maintainer.token))).toBe('FORBIDDEN');
    const hidden = await server.graphql(GROUP_CREATE, { input }, stranger.token);
    expect(hidden.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', resource: 'Group' });
    expect(code(await server.graphql(GROUP_CREATE, { input }))).toBe('UNAUTHENTICATED');
    const made = await server.graphql(GROUP_CREATE, { input }, admin.token);
    expect(made.data?.groupCreate.group.fullPath).toBe(`${parent.fullPath}/child`);
  });

  it('validates the path: format, and free in its parent regardless of case (a username is a top-level path too)', async () => {
    const { user: owner, token } = await createUser(server.db, { username: 'pathowner' });
    const parent = await server.graphql(GROUP_CREATE, { input: { name: 'Validation', path: 'validation' } }, token);
    const parentId = parent.data?.groupCreate.group.id;
    await server.graphql(GROUP_CREATE, { input: { name: 'Docs', path: 'docs', parentId } }, token);
    const attempt = async (input: Record<string, unknown>) => (await server.graphql(GROUP_CREATE, { input }, token)).data?.groupCreate;

    expect((await attempt({ name: 'Bad', path: '.hidden' })).attributeErrors).toEqual([
      { attribute: 'path', message: "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or '.'" },
    ]);
    expect((await attempt({ name: '', path: 'has space' })).errors).toEqual([
      "Name can't be blank",
      "Path can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or '.'",
    ]);
    expect(await attempt({ name: 'Docs again', path: 'DOCS', parentId })).toMatchObject({
      group: null,
      attributeErrors: [{ attribute: 'path', message: 'has already been taken' }],
    });
    expect((await attempt({ name: 'Mine', path: 'PathOwner' })).errors).toEqual(['Path has already been taken']);
    expect((await attempt({ name: 'Long', path: 'p'.repeat(256) })).errors).toEqual(['Path is too long (maximum is 255 characters)']);
    let deepest = await createGroup(server.db);
    await addGroupMember(server.db, deepest.id, owner.id, AccessLevel.OWNER);
    for (let depth = 1; depth < 20; depth++) deepest = await createGroup(server.db, { parent: deepest });
    expect((await attempt({ name: 'Too deep', path: 'deep', parentId: gid('Group', deepest.id) })).errors).toEqual([
      'Parent has too deep level of nesting',
    ]);
    // The same path elsewhere in the tree is a different route.
    expect((await attempt({ name: 'Docs', path: 'docs' })).group.fullPath).toBe('docs');
  });
});

describe('Mutation.projectCreate', () => {
  it('creates a project in your personal namespace when no group is given', async () => {
    const { user, token } = await createUser(server.db, { username: 'solo' });

    const res = await server.graphql(PROJECT_CREATE, { input: { name: 'Dotfiles', path: 'dotfiles', description: 'Mine' } }, token);

    expect(res.data?.projectCreate).toEqual({
      project: {
        id: expect.stringMatching(/^gid:\/\/gitlab\/Project\/\d+$/),
        name: 'Dotfiles',
        fullPath: 'solo/dotfiles',
        nameWithNamespace: `${user.name} / Dotfiles`,
        description: 'Mine',
        group: null,
      },
      errors: [],
      attributeErrors: [],
    });
    const stored = await server.db.project.findUniqueOrThrow({ where: { pathWithNamespace: 'solo/dotfiles' } });
    expect({ ownerId: stored.ownerId, groupId: stored.groupId }).toEqual({ ownerId: user.id, groupId: null });
  });

  it('needs Maintainer of the group: a Developer is FORBIDDEN, a stranger gets NOT_FOUND', async () => {
    const group = await createGroup(server.db);
    const maintainer = await createUser(server.db);
    const developer = await createUser(server.db);
    const stranger = await createUser(server.db);
    await addGroupMember(server.db, group.id, maintainer.user.id, AccessLevel.MAINTAINER);
    await addGroupMember(server.db, group.id, developer.user.id, AccessLevel.DEVELOPER);
    const input = { name: 'API', path: 'api', groupId: gid('Group', group.id) };

    expect(code(await server.graphql(PROJECT_CREATE, { input }, developer.token))).toBe('FORBIDDEN');
    expect(code(await server.graphql(PROJECT_CREATE, { input }, stranger.token))).toBe('NOT_FOUND');
    const made = await server.graphql(PROJECT_CREATE, { input }, maintainer.token);
    expect(made.data?.projectCreate.project).toMatchObject({
      fullPath: `${group.fullPath}/api`,
      nameWithNamespace: `${group.fullName} / API`,
      group: { fullPath: group.fullPath },
    });
  });

  it('refuses a path or name already used in the namespace, and a path that is a subgroup', async () => {
    const { token } = await createUser(server.db);
    const group = (await server.graphql(GROUP_CREATE, { input: { name: 'Routes', path: 'routes' } }, token)).data?.groupCreate.group;
    await server.graphql(GROUP_CREATE, { input: { name: 'Sub', path: 'sub', parentId: group.id } }, token);
    await server.graphql(PROJECT_CREATE, { input: { name: 'Web', path: 'web', groupId: group.id } }, token);
    const attempt = async (name: string, path: string) =>
      (await server.graphql(PROJECT_CREATE, { input: { name, path, groupId: group.id } }, token)).data?.projectCreate;

    expect((await attempt('Other', 'Web')).attributeErrors).toEqual([{ attribute: 'path', message: 'has already been taken' }]);
    expect((await attempt('Web', 'web2')).attributeErrors).toEqual([{ attribute: 'name', message: 'has already been taken' }]);
    expect((await attempt('Sub project', 'sub')).errors).toEqual(['Path has already been taken']);
    // And a subgroup may not take a project's path either.
    const clash = await server.graphql(GROUP_CREATE, { input: { name: 'Web group', path: 'web', parentId: group.id } }, token);
    expect(clash.data?.groupCreate.errors).toEqual(['Path has already been taken']);
  });
});

describe('Mutation.groupMemberAdd', () => {
  it('lets a group Owner add a member, whose access reaches subgroups and their projects', async () => {
    const owner = await createUser(server.db);
    const group = (await server.graphql(GROUP_CREATE, { input: { name: 'Infra', path: 'infra' } }, owner.token)).data?.groupCreate.group;
    const sub = (await server.graphql(GROUP_CREATE, { input: { name: 'Ops', path: 'ops', parentId: group.id } }, owner.token)).data
      ?.groupCreate.group;
    const project = (await server.graphql(PROJECT_CREATE, { input: { name: 'Deploy', path: 'deploy', groupId: sub.id } }, owner.token)).data
      ?.projectCreate.project;
    const groupId = Number(group.id.split('/').pop());
    const projectId = Number(project.id.split('/').pop());
    const { runner: groupRunner } = await createRunner(server.db, { groupId, description: 'infra-group-runner' });
    const { runner: projectRunner } = await createRunner(server.db, { projectIds: [projectId], description: 'deploy-runner' });
    const newcomer = await createUser(server.db, { username: 'newcomer' });
    const runnersOf = `{ group(fullPath: "infra") { runners { nodes { id } } } project(fullPath: "infra/ops/deploy") { runners(type: PROJECT_TYPE) { nodes { id } } } }`;

    const before = await server.graphql(runnersOf, {}, newcomer.token);
    expect(before.data).toEqual({ group: null, project: null });

    const res = await server.graphql(
      GROUP_MEMBER_ADD,
      { input: { groupId: group.id, userId: gid('User', newcomer.user.id), accessLevel: 'MAINTAINER' } },
      owner.token,
    );
    expect(res.data?.groupMemberAdd).toEqual({
      groupMember: {
        accessLevel: { integerValue: 40, stringValue: 'MAINTAINER', humanAccess: 'Maintainer' },
        user: { username: 'newcomer' },
        group: { fullPath: 'infra' },
      },
      errors: [],
      attributeErrors: [],
    });

    const after = await server.graphql(runnersOf, {}, newcomer.token);
    expect(after.errors).toBeUndefined();
    expect(after.data?.group.runners.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      [runnerGid(groupRunner.id), runnerGid(projectRunner.id)].sort(),
    );
    expect(after.data?.project.runners.nodes).toEqual([{ id: runnerGid(projectRunner.id) }]);
  });

  it('is for Owners: a Maintainer is FORBIDDEN, a stranger gets NOT_FOUND; the user must exist', async () => {
    const group = await createGroup(server.db);
    const maintainer = await createUser(server.db);
    await addGroupMember(server.db, group.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const owner = await createUser(server.db);
    await addGroupMember(server.db, group.id, owner.user.id, AccessLevel.OWNER);
    const stranger = await createUser(server.db);
    const input = { groupId: gid('Group', group.id), userId: gid('User', stranger.user.id), accessLevel: 'GUEST' };

    expect(code(await server.graphql(GROUP_MEMBER_ADD, { input }, maintainer.token))).toBe('FORBIDDEN');
    expect(code(await server.graphql(GROUP_MEMBER_ADD, { input }, stranger.token))).toBe('NOT_FOUND');
    const noUser = await server.graphql(GROUP_MEMBER_ADD, { input: { ...input, userId: gid('User', 999999) } }, owner.token);
    expect(noUser.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', resource: 'User' });
    const badLevel = await server.graphql(GROUP_MEMBER_ADD, { input: { ...input, accessLevel: 'ADMIN' } }, owner.token);
    expect(badLevel.status).toBe(400);
    expect(badLevel.errors?.[0]?.message).toContain('Value "ADMIN" does not exist in "AccessLevelEnum" enum.');
  });

  it('refuses a second membership (CONFLICT) and a level below the one inherited from a parent group', async () => {
    const parent = await createGroup(server.db);
    const child = await createGroup(server.db, { parent });
    const admin = await createUser(server.db, { admin: true });
    const member = await createUser(server.db);
    await addGroupMember(server.db, parent.id, member.user.id, AccessLevel.DEVELOPER);
    const add = (groupId: number, accessLevel: string) =>
      server.graphql(
        GROUP_MEMBER_ADD,
        { input: { groupId: gid('Group', groupId), userId: gid('User', member.user.id), accessLevel } },
        admin.token,
      );

    const again = await add(parent.id, 'OWNER');
    expect(again.errors?.[0]).toMatchObject({ message: 'Member already exists', extensions: { code: 'CONFLICT' } });
    const lower = await add(child.id, 'REPORTER');
    expect(lower.data?.groupMemberAdd.errors).toEqual([
      `Access level should be greater than or equal to Developer inherited membership from group ${parent.name}`,
    ]);
    expect((await add(child.id, 'MAINTAINER')).data?.groupMemberAdd.groupMember.accessLevel.stringValue).toBe('MAINTAINER');
  });
});

describe('Mutation.projectMemberAdd', () => {
  it('lets a project Maintainer add members, but not grant OWNER; a Developer may add nobody', async () => {
    const project = await createProject(server.db);
    const maintainer = await createUser(server.db);
    const developer = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    await addProjectMember(server.db, project.id, developer.user.id, AccessLevel.DEVELOPER);
    const { user: newcomer, token: newcomerToken } = await createUser(server.db);
    const input = (accessLevel: string) => ({ projectId: gid('Project', project.id), userId: gid('User', newcomer.id), accessLevel });

    const owner = await server.graphql(PROJECT_MEMBER_ADD, { input: input('OWNER') }, maintainer.token);
    expect(owner.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'A Maintainer cannot grant the Owner role' });
    expect(code(await server.graphql(PROJECT_MEMBER_ADD, { input: input('GUEST') }, developer.token))).toBe('FORBIDDEN');

    const res = await server.graphql(PROJECT_MEMBER_ADD, { input: input('DEVELOPER') }, maintainer.token);
    expect(res.data?.projectMemberAdd).toEqual({
      projectMember: {
        accessLevel: { stringValue: 'DEVELOPER' },
        user: { username: newcomer.username },
        project: { fullPath: project.pathWithNamespace },
      },
      errors: [],
      attributeErrors: [],
    });
    const seen = await server.graphql(`query($p: ID!) { project(fullPath: $p) { id } }`, { p: project.pathWithNamespace }, newcomerToken);
    expect(seen.data?.project).toEqual({ id: gid('Project', project.id) });
  });

  it('lets the owner of a personal project grant OWNER; strangers get NOT_FOUND', async () => {
    const { user: me, token } = await createUser(server.db);
    const project = await createProject(server.db, { owner: me });
    const { user: friend, token: friendToken } = await createUser(server.db);
    const input = { projectId: gid('Project', project.id), userId: gid('User', friend.id), accessLevel: 'OWNER' };

    expect(code(await server.graphql(PROJECT_MEMBER_ADD, { input }, friendToken))).toBe('NOT_FOUND');
    const res = await server.graphql(PROJECT_MEMBER_ADD, { input }, token);
    expect(res.data?.projectMemberAdd.projectMember.accessLevel).toEqual({ stringValue: 'OWNER' });
    const seen = await server.graphql(`query($p: ID!) { project(fullPath: $p) { id } }`, { p: project.pathWithNamespace }, friendToken);
    expect(seen.data?.project).toEqual({ id: gid('Project', project.id) });
  });
});
