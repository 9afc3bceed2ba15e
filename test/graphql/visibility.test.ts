import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addGroupMember, addProjectMember, createRunner, createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// Visibility of groups and projects, as GitLab's: `private` (members), `internal` (anyone signed in), `public`
// (anyone, without a token too); new namespaces are private; nothing inside a group is more visible than the group.
// Reading a namespace gives nothing more: its runners keep their own rules (GroupPolicy / ProjectPolicy).

const server = useTestServer();

const GROUP_CREATE = `mutation($input: GroupCreateInput!) {
  groupCreate(input: $input) { group { id fullPath visibility } errors attributeErrors { attribute message } }
}`;
const PROJECT_CREATE = `mutation($input: ProjectCreateInput!) {
  projectCreate(input: $input) { project { id fullPath visibility } errors attributeErrors { attribute message } }
}`;
const GROUP_UPDATE = `mutation($input: GroupUpdateInput!) { groupUpdate(input: $input) { group { fullPath visibility } errors } }`;
const PROJECT_UPDATE = `mutation($input: ProjectUpdateInput!) { projectUpdate(input: $input) { project { fullPath visibility } errors } }`;
const GROUP = `query($fullPath: ID!) { group(fullPath: $fullPath) { fullPath visibility parent { fullPath } } }`;
const PROJECT = `query($fullPath: ID!) { project(fullPath: $fullPath) { fullPath visibility group { fullPath } } }`;

const code = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions?.code;
let n = 0;

async function group(token: string, visibility?: string, parentId?: string) {
  n += 1;
  const input = { name: `Vis ${n}`, path: `vis-${n}`, ...(visibility ? { visibility } : {}), ...(parentId ? { parentId } : {}) };
  const res = await server.graphql(GROUP_CREATE, { input }, token);
  return res.data?.groupCreate.group as { id: string; fullPath: string; visibility: string };
}

async function project(token: string, groupId: string, visibility?: string) {
  n += 1;
  const input = { name: `Vis project ${n}`, path: `vis-project-${n}`, groupId, ...(visibility ? { visibility } : {}) };
  const res = await server.graphql(PROJECT_CREATE, { input }, token);
  return res.data?.projectCreate.project as { id: string; fullPath: string; visibility: string };
}

const numeric = (gid: string) => Number(gid.split('/').pop());

describe('visibility on create and update', () => {
  it('is private unless given, and Group.visibility / Project.visibility answer it as the strings GitLab does', async () => {
    const owner = await createUser(server.db);
    const privateGroup = await group(owner.token);
    const publicGroup = await group(owner.token, 'public');
    const internalProject = await project(owner.token, publicGroup.id, 'internal');

    expect(privateGroup.visibility).toBe('private');
    expect(publicGroup.visibility).toBe('public');
    expect(internalProject.visibility).toBe('internal');
    expect((await project(owner.token, publicGroup.id)).visibility).toBe('private');
  });

  it("refuses a subgroup or project more visible than its group, with GitLab's messages", async () => {
    const owner = await createUser(server.db);
    const parent = await group(owner.token, 'internal');

    const subgroup = await server.graphql(
      GROUP_CREATE,
      { input: { name: 'Sub', path: `sub-${n}`, parentId: parent.id, visibility: 'public' } },
      owner.token,
    );
    const inGroup = await server.graphql(
      PROJECT_CREATE,
      { input: { name: 'P', path: `p-${n}`, groupId: parent.id, visibility: 'public' } },
      owner.token,
    );

    expect(subgroup.data?.groupCreate).toEqual({
      group: null,
      errors: ['Visibility level public is not allowed since the parent group has a internal visibility.'],
      attributeErrors: [
        { attribute: 'visibility_level', message: 'public is not allowed since the parent group has a internal visibility.' },
      ],
    });
    expect(inGroup.data?.projectCreate).toMatchObject({
      project: null,
      errors: ['Visibility level public is not allowed in a internal group.'],
    });
    expect(await server.db.group.count({ where: { parentId: numeric(parent.id) } })).toBe(0);
  });

  it('groupUpdate: Owners change it, within the parent above and the subgroups and projects below', async () => {
    const owner = await createUser(server.db);
    const maintainer = await createUser(server.db);
    const top = await group(owner.token, 'public');
    const sub = await group(owner.token, 'internal', top.id);
    await project(owner.token, sub.id, 'internal');
    await addGroupMember(server.db, numeric(top.id), maintainer.user.id, AccessLevel.MAINTAINER);

    const lower = await server.graphql(GROUP_UPDATE, { input: { fullPath: top.fullPath, visibility: 'private' } }, owner.token);
    expect(lower.data?.groupUpdate).toEqual({
      group: null,
      errors: ['Visibility level private is not allowed since there are sub-groups with higher visibility.'],
    });
    const belowProject = await server.graphql(GROUP_UPDATE, { input: { fullPath: sub.fullPath, visibility: 'private' } }, owner.token);
    expect(belowProject.data?.groupUpdate.errors).toEqual([
      'Visibility level private is not allowed since this group contains projects with higher visibility.',
    ]);
    const aboveParent = await group(owner.token, 'private', top.id);
    const raise = await server.graphql(GROUP_UPDATE, { input: { fullPath: top.fullPath, visibility: 'internal' } }, owner.token);
    expect(raise.data?.groupUpdate).toEqual({ group: { fullPath: top.fullPath, visibility: 'internal' }, errors: [] });
    const tooHigh = await server.graphql(GROUP_UPDATE, { input: { fullPath: aboveParent.fullPath, visibility: 'public' } }, owner.token);
    expect(tooHigh.data?.groupUpdate.errors).toEqual([
      'Visibility level public is not allowed since the parent group has a internal visibility.',
    ]);

    // GitLab's change_visibility_level is the Owners': a Maintainer is refused, a stranger cannot even see a private group.
    const byMaintainer = await server.graphql(GROUP_UPDATE, { input: { fullPath: top.fullPath, visibility: 'public' } }, maintainer.token);
    expect(code(byMaintainer)).toBe('FORBIDDEN');
    const stranger = await createUser(server.db);
    const hidden = await group(owner.token, 'private');
    expect(code(await server.graphql(GROUP_UPDATE, { input: { fullPath: hidden.fullPath, visibility: 'public' } }, stranger.token))).toBe(
      'NOT_FOUND',
    );
    expect((await server.db.group.findUniqueOrThrow({ where: { id: numeric(hidden.id) } })).visibility).toBe('private');
  });

  it("projectUpdate: the project's Owners change it, never above its group's", async () => {
    const owner = await createUser(server.db);
    const maintainer = await createUser(server.db);
    const home = await group(owner.token, 'internal');
    const target = await project(owner.token, home.id);
    await addProjectMember(server.db, numeric(target.id), maintainer.user.id, AccessLevel.MAINTAINER);

    const ok = await server.graphql(PROJECT_UPDATE, { input: { fullPath: target.fullPath, visibility: 'internal' } }, owner.token);
    expect(ok.data?.projectUpdate).toEqual({ project: { fullPath: target.fullPath, visibility: 'internal' }, errors: [] });
    const tooHigh = await server.graphql(PROJECT_UPDATE, { input: { fullPath: target.fullPath, visibility: 'public' } }, owner.token);
    expect(tooHigh.data?.projectUpdate).toEqual({ project: null, errors: ['Visibility level public is not allowed in a internal group.'] });
    const byMaintainer = await server.graphql(
      PROJECT_UPDATE,
      { input: { fullPath: target.fullPath, visibility: 'private' } },
      maintainer.token,
    );
    expect(code(byMaintainer)).toBe('FORBIDDEN');
  });
});

describe('reading namespaces by visibility', () => {
  it('public: read by anyone, without a token too; internal: by anyone signed in; private: by members only', async () => {
    const owner = await createUser(server.db);
    const stranger = await createUser(server.db);
    const publicGroup = await group(owner.token, 'public');
    const internalGroup = await group(owner.token, 'internal');
    const privateGroup = await group(owner.token, 'private');
    const publicProject = await project(owner.token, publicGroup.id, 'public');
    const internalProject = await project(owner.token, publicGroup.id, 'internal');

    const read = async (query: string, fullPath: string, token?: string) => {
      const res = await server.graphql(query, { fullPath }, token);
      expect(res.errors).toBeUndefined();
      return (res.data?.group ?? res.data?.project ?? null) as { fullPath: string } | null;
    };
    expect(await read(GROUP, publicGroup.fullPath)).toEqual({ fullPath: publicGroup.fullPath, visibility: 'public', parent: null });
    expect(await read(PROJECT, publicProject.fullPath)).toEqual({
      fullPath: publicProject.fullPath,
      visibility: 'public',
      group: { fullPath: publicGroup.fullPath },
    });
    expect(await read(GROUP, internalGroup.fullPath)).toBeNull();
    expect(await read(PROJECT, internalProject.fullPath)).toBeNull();
    expect(await read(GROUP, internalGroup.fullPath, stranger.token)).toMatchObject({ visibility: 'internal' });
    expect(await read(PROJECT, internalProject.fullPath, stranger.token)).toMatchObject({ visibility: 'internal' });
    expect(await read(GROUP, privateGroup.fullPath, stranger.token)).toBeNull();
    expect(await read(GROUP, privateGroup.fullPath, owner.token)).toMatchObject({ visibility: 'private' });
  });

  it("a namespace's parent group is shown by the parent's own visibility", async () => {
    const owner = await createUser(server.db);
    const stranger = await createUser(server.db);
    const hidden = await group(owner.token, 'private');
    const shown = await group(owner.token, 'public');
    // A personal project may be public whatever; a group's project only as visible as the group.
    const child = await group(owner.token, 'public', shown.id);
    const inHidden = await server.graphql(PROJECT_CREATE, { input: { name: 'x', path: `x-${n}`, groupId: hidden.id } }, owner.token);
    await server.graphql(
      PROJECT_UPDATE,
      { input: { fullPath: inHidden.data?.projectCreate.project.fullPath, visibility: 'public' } },
      owner.token,
    );

    const sub = await server.graphql(GROUP, { fullPath: child.fullPath }, stranger.token);
    expect(sub.data?.group).toMatchObject({ parent: { fullPath: shown.fullPath } });
    // The project stayed private (its group is), so a stranger sees neither.
    const inside = await server.graphql(PROJECT, { fullPath: inHidden.data?.projectCreate.project.fullPath }, stranger.token);
    expect(inside.data?.project).toBeNull();
  });

  it("a public group's runners stay its Maintainers': others read the group and are refused its runners", async () => {
    const owner = await createUser(server.db);
    const stranger = await createUser(server.db);
    const publicGroup = await group(owner.token, 'public');
    const publicProject = await project(owner.token, publicGroup.id, 'public');
    await createRunner(server.db, { runnerType: 'group_type', groupId: numeric(publicGroup.id) });

    const groupRunners = await server.graphql(
      `query($fullPath: ID!) { group(fullPath: $fullPath) { fullPath runners { count } } }`,
      { fullPath: publicGroup.fullPath },
      stranger.token,
    );
    expect(groupRunners.data?.group).toEqual({ fullPath: publicGroup.fullPath, runners: null });
    expect(groupRunners.errors?.[0]).toMatchObject({ path: ['group', 'runners'], extensions: { code: 'FORBIDDEN' } });
    const projectRunners = await server.graphql(`query($fullPath: ID!) { project(fullPath: $fullPath) { runners { count } } }`, {
      fullPath: publicProject.fullPath,
    });
    expect(projectRunners.data?.project).toEqual({ runners: null });
    expect(code(projectRunners)).toBe('UNAUTHENTICATED');
    const owned = await server.graphql(
      `query($fullPath: ID!) { group(fullPath: $fullPath) { runners { count } } }`,
      { fullPath: publicGroup.fullPath },
      owner.token,
    );
    expect(owned.data?.group.runners.count).toBe(1);
  });

  it('CiRunner.projects lists the public projects a runner is assigned to, to those who may read the runner', async () => {
    const owner = await createUser(server.db);
    const maintainer = await createUser(server.db);
    const home = await group(owner.token, 'public');
    const own = await project(owner.token, home.id);
    const shown = await project(owner.token, home.id, 'public');
    const hidden = await project(owner.token, home.id);
    await addProjectMember(server.db, numeric(own.id), maintainer.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, {
      runnerType: 'project_type',
      projectIds: [numeric(own.id), numeric(shown.id), numeric(hidden.id)],
    });

    const res = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { projectCount projects { nodes { fullPath } } } }`,
      { id: runnerGid(runner.id) },
      maintainer.token,
    );

    expect(res.errors).toBeUndefined();
    expect(res.data?.runner).toEqual({
      projectCount: 3,
      projects: { nodes: [{ fullPath: own.fullPath }, { fullPath: shown.fullPath }] },
    });
  });
});
