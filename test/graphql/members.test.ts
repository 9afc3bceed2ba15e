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
} from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// Changing and ending memberships; GitLab's read rules for runners and jobs follow at once.

const server = useTestServer();

const GROUP_UPDATE = `mutation($input: GroupMemberUpdateInput!) {
  groupMemberUpdate(input: $input) { groupMember { accessLevel { stringValue } user { username } } errors attributeErrors { attribute message } }
}`;
const GROUP_REMOVE = `mutation($input: GroupMemberRemoveInput!) { groupMemberRemove(input: $input) { errors } }`;
const PROJECT_UPDATE = `mutation($input: ProjectMemberUpdateInput!) {
  projectMemberUpdate(input: $input) { projectMember { accessLevel { stringValue } } errors attributeErrors { attribute message } }
}`;
const PROJECT_REMOVE = `mutation($input: ProjectMemberRemoveInput!) { projectMemberRemove(input: $input) { errors } }`;

const code = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions?.code;

async function groupWithOwner() {
  const group = await createGroup(server.db);
  const owner = await createUser(server.db);
  await addGroupMember(server.db, group.id, owner.user.id, AccessLevel.OWNER);
  return { group, owner };
}

describe('groupMemberUpdate and groupMemberRemove', () => {
  it("lowers a Reporter to Guest, who then no longer sees the jobs of the group's runners; removal ends all access", async () => {
    const { group, owner } = await groupWithOwner();
    const project = await createProject(server.db, { group });
    const member = await createUser(server.db);
    await addGroupMember(server.db, group.id, member.user.id, AccessLevel.REPORTER);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const job = await createJob(server.db, { projectId: project.id, runnerId: runner.id });
    const jobs = `query($path: ID!) { project(fullPath: $path) { id pipelines { count } } }`;
    expect((await server.graphql(jobs, { path: project.pathWithNamespace }, member.token)).data?.project.pipelines.count).toBe(1);

    const lowered = await server.graphql(
      GROUP_UPDATE,
      { input: { groupId: gid('Group', group.id), userId: gid('User', member.user.id), accessLevel: 'GUEST' } },
      owner.token,
    );
    expect(lowered.data?.groupMemberUpdate).toEqual({
      groupMember: { accessLevel: { stringValue: 'GUEST' }, user: { username: member.user.username } },
      errors: [],
      attributeErrors: [],
    });
    // A Guest sees the project, but not its pipelines or the jobs the runner ran (GitLab's read_build needs Reporter).
    const asGuest = await server.graphql(jobs, { path: project.pathWithNamespace }, member.token);
    expect(asGuest.data?.project).toEqual({ id: gid('Project', project.id), pipelines: null });
    expect(job.runnerId).toBe(runner.id);

    const removed = await server.graphql(
      GROUP_REMOVE,
      { input: { groupId: gid('Group', group.id), userId: gid('User', member.user.id) } },
      owner.token,
    );
    expect(removed.data?.groupMemberRemove).toEqual({ errors: [] });
    expect((await server.graphql(jobs, { path: project.pathWithNamespace }, member.token)).data?.project).toBeNull();
    // A membership that no longer exists cannot be changed.
    const again = await server.graphql(
      GROUP_REMOVE,
      { input: { groupId: gid('Group', group.id), userId: gid('User', member.user.id) } },
      owner.token,
    );
    expect(code(again)).toBe('NOT_FOUND');
  });

  it('keeps a level at least what is inherited from an ancestor, and inherited access is changed only where it is granted', async () => {
    const { group: parent, owner } = await groupWithOwner();
    const child = await createGroup(server.db, { parent });
    const user = await createUser(server.db);
    await addGroupMember(server.db, parent.id, user.user.id, AccessLevel.MAINTAINER);
    await addGroupMember(server.db, child.id, user.user.id, AccessLevel.OWNER);

    const below = await server.graphql(
      GROUP_UPDATE,
      { input: { groupId: gid('Group', child.id), userId: gid('User', user.user.id), accessLevel: 'DEVELOPER' } },
      owner.token,
    );
    expect(below.data?.groupMemberUpdate).toMatchObject({
      groupMember: null,
      attributeErrors: [
        {
          attribute: 'access_level',
          message: `should be greater than or equal to Maintainer inherited membership from group ${parent.name}`,
        },
      ],
    });
    // The owner's own access to the child is inherited: there is no direct membership to change there.
    const inherited = await server.graphql(
      GROUP_UPDATE,
      { input: { groupId: gid('Group', child.id), userId: gid('User', owner.user.id), accessLevel: 'GUEST' } },
      owner.token,
    );
    expect(code(inherited)).toBe('NOT_FOUND');
  });

  it('never demotes or removes the last Owner, lets members leave, and is for Owners only', async () => {
    const { group, owner } = await groupWithOwner();
    const maintainer = await createUser(server.db);
    await addGroupMember(server.db, group.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const ownerInput = { groupId: gid('Group', group.id), userId: gid('User', owner.user.id) };

    expect(code(await server.graphql(GROUP_UPDATE, { input: { ...ownerInput, accessLevel: 'MAINTAINER' } }, owner.token))).toBe(
      'FORBIDDEN',
    );
    expect(code(await server.graphql(GROUP_REMOVE, { input: ownerInput }, owner.token))).toBe('FORBIDDEN');
    expect(code(await server.graphql(GROUP_UPDATE, { input: { ...ownerInput, accessLevel: 'GUEST' } }, maintainer.token))).toBe(
      'FORBIDDEN',
    );
    const stranger = await createUser(server.db);
    expect(code(await server.graphql(GROUP_REMOVE, { input: ownerInput }, stranger.token))).toBe('NOT_FOUND');

    // With a second Owner, the first may step down.
    await server.graphql(
      GROUP_UPDATE,
      { input: { groupId: gid('Group', group.id), userId: gid('User', maintainer.user.id), accessLevel: 'OWNER' } },
      owner.token,
    );
    expect(
      (await server.graphql(GROUP_UPDATE, { input: { ...ownerInput, accessLevel: 'DEVELOPER' } }, owner.token)).data?.groupMemberUpdate
        .errors,
    ).toEqual([]);
    expect((await server.graphql(GROUP_REMOVE, { input: ownerInput }, owner.token)).data?.groupMemberRemove).toEqual({ errors: [] });
  });
});

describe('projectMemberUpdate and projectMemberRemove', () => {
  it('lets Maintainers manage members below Owner, and anyone leave', async () => {
    const project = await createProject(server.db);
    const [owner, maintainer, developer] = [await createUser(server.db), await createUser(server.db), await createUser(server.db)];
    await addProjectMember(server.db, project.id, owner.user.id, AccessLevel.OWNER);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    await addProjectMember(server.db, project.id, developer.user.id, AccessLevel.DEVELOPER);
    const input = (user: { user: { id: number } }) => ({ projectId: gid('Project', project.id), userId: gid('User', user.user.id) });

    const lowered = await server.graphql(PROJECT_UPDATE, { input: { ...input(developer), accessLevel: 'REPORTER' } }, maintainer.token);
    expect(lowered.data?.projectMemberUpdate).toEqual({
      projectMember: { accessLevel: { stringValue: 'REPORTER' } },
      errors: [],
      attributeErrors: [],
    });
    expect(code(await server.graphql(PROJECT_UPDATE, { input: { ...input(owner), accessLevel: 'GUEST' } }, maintainer.token))).toBe(
      'FORBIDDEN',
    );
    expect(code(await server.graphql(PROJECT_UPDATE, { input: { ...input(developer), accessLevel: 'OWNER' } }, maintainer.token))).toBe(
      'FORBIDDEN',
    );
    expect(code(await server.graphql(PROJECT_REMOVE, { input: input(maintainer) }, developer.token))).toBe('FORBIDDEN');

    expect((await server.graphql(PROJECT_REMOVE, { input: input(developer) }, developer.token)).data?.projectMemberRemove).toEqual({
      errors: [],
    });
    expect(
      (await server.graphql(`query($p: ID!) { project(fullPath: $p) { id } }`, { p: project.pathWithNamespace }, developer.token)).data
        ?.project,
    ).toBeNull();
    expect((await server.graphql(PROJECT_REMOVE, { input: input(maintainer) }, owner.token)).data?.projectMemberRemove).toEqual({
      errors: [],
    });
  });
});
