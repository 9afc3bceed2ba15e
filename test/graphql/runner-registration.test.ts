import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addGroupMember, addProjectMember, createGroup, createProject, createUser, gid } from '../support/factories.ts';
import { EXTERNAL_URL, useTestServer } from '../support/server.ts';

const server = useTestServer();

// GitLab's "register a runner" page: after runnerCreate, the page reads the runner back and shows its creator the
// token and the register URL until the runner registers (makes contact), for at most an hour.

const CREATE = `mutation($input: RunnerCreateInput!) { runnerCreate(input: $input) { runner { id ephemeralAuthenticationToken } errors } }`;
const READ = `query($id: CiRunnerID!) { runner(id: $id) { ephemeralAuthenticationToken ephemeralRegisterUrl } }`;

async function create(input: Record<string, unknown>, token: string): Promise<{ id: string; token: string }> {
  const res = await server.graphql(CREATE, { input }, token);
  expect(res.data?.runnerCreate.errors).toEqual([]);
  const runner = res.data?.runnerCreate.runner;
  return { id: runner.id, token: runner.ephemeralAuthenticationToken };
}

async function read(id: string, token: string) {
  const res = await server.graphql(READ, { id }, token);
  expect(res.errors).toBeUndefined();
  return res.data?.runner as { ephemeralAuthenticationToken: string | null; ephemeralRegisterUrl: string | null };
}

const runnerId = (id: string) => Number(id.split('/').pop());

describe('CiRunner.ephemeralAuthenticationToken', () => {
  it('shows the creator the token and the register page of a runner they created, and nobody else', async () => {
    const admin = await createUser(server.db, { admin: true });
    const otherAdmin = await createUser(server.db, { admin: true });
    const created = await create({ runnerType: 'INSTANCE_TYPE', description: 'docker' }, admin.token);

    expect(await read(created.id, admin.token)).toEqual({
      ephemeralAuthenticationToken: created.token,
      ephemeralRegisterUrl: `${EXTERNAL_URL}/admin/runners/${runnerId(created.id)}/register`,
    });
    // An instance runner is visible to every user; neither they nor another admin get its token.
    const user = await createUser(server.db);
    for (const other of [otherAdmin, user]) {
      expect(await read(created.id, other.token)).toEqual({ ephemeralAuthenticationToken: null, ephemeralRegisterUrl: null });
    }
  });

  it("gives a group's and a project's runner the group's and the project's register page", async () => {
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const owner = await createUser(server.db);
    await addGroupMember(server.db, group.id, owner.user.id, AccessLevel.OWNER);
    const fellowOwner = await createUser(server.db);
    await addGroupMember(server.db, group.id, fellowOwner.user.id, AccessLevel.OWNER);

    const groupRunner = await create({ runnerType: 'GROUP_TYPE', groupId: gid('Group', group.id) }, owner.token);
    expect(await read(groupRunner.id, owner.token)).toEqual({
      ephemeralAuthenticationToken: groupRunner.token,
      ephemeralRegisterUrl: `${EXTERNAL_URL}/groups/${group.fullPath}/-/runners/${runnerId(groupRunner.id)}/register`,
    });
    expect((await read(groupRunner.id, fellowOwner.token)).ephemeralAuthenticationToken).toBeNull();

    const maintainer = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const projectRunner = await create({ runnerType: 'PROJECT_TYPE', projectId: gid('Project', project.id) }, maintainer.token);
    expect(await read(projectRunner.id, maintainer.token)).toEqual({
      ephemeralAuthenticationToken: projectRunner.token,
      ephemeralRegisterUrl: `${EXTERNAL_URL}/${project.pathWithNamespace}/-/runners/${runnerId(projectRunner.id)}/register`,
    });
  });

  it('hides the token once the runner has registered (made contact), or when the token was reset', async () => {
    const admin = await createUser(server.db, { admin: true });
    const registered = await create({ runnerType: 'INSTANCE_TYPE' }, admin.token);
    const verify = await server.graphql(`mutation($t: String!) { runnerVerify(input: { token: $t }) { errors } }`, { t: registered.token });
    expect(verify.errors).toBeUndefined();
    expect(await read(registered.id, admin.token)).toEqual({ ephemeralAuthenticationToken: null, ephemeralRegisterUrl: null });

    const reset = await create({ runnerType: 'INSTANCE_TYPE' }, admin.token);
    const res = await server.graphql(
      `mutation($id: CiRunnerID!) { runnerAuthenticationTokenReset(input: { id: $id }) { token errors } }`,
      { id: reset.id },
      admin.token,
    );
    expect(res.data?.runnerAuthenticationTokenReset.token).toMatch(/^glrt-/);
    expect((await read(reset.id, admin.token)).ephemeralAuthenticationToken).toBeNull();
    const row = await server.db.runner.findUniqueOrThrow({ where: { id: runnerId(reset.id) } });
    expect(row.ephemeralTokenCiphertext).toBeNull();
  });

  it('hides the token an hour after creation, as GitLab closes the registration window', async () => {
    const admin = await createUser(server.db, { admin: true });
    const created = await create({ runnerType: 'INSTANCE_TYPE' }, admin.token);
    await server.db.runner.update({ where: { id: runnerId(created.id) }, data: { createdAt: new Date(Date.now() - 61 * 60 * 1000) } });
    expect(await read(created.id, admin.token)).toEqual({ ephemeralAuthenticationToken: null, ephemeralRegisterUrl: null });

    // The next runner created sweeps the sealed copies whose window has passed.
    await create({ runnerType: 'INSTANCE_TYPE' }, admin.token);
    const row = await server.db.runner.findUniqueOrThrow({ where: { id: runnerId(created.id) } });
    expect(row.ephemeralTokenCiphertext).toBeNull();
  });

  it('never shows the token of a runner registered with a registration token', async () => {
    const admin = await createUser(server.db, { admin: true });
    const registration = await server.graphql(
      `mutation { runnersRegistrationTokenReset(input: { type: INSTANCE_TYPE }) { token } }`,
      {},
      admin.token,
    );
    const registered = await server.graphql(`mutation($t: String!) { runnerRegister(input: { token: $t }) { runner { id } } }`, {
      t: registration.data?.runnersRegistrationTokenReset.token,
    });
    const id = registered.data?.runnerRegister.runner.id;
    expect(await read(id, admin.token)).toEqual({ ephemeralAuthenticationToken: null, ephemeralRegisterUrl: null });
    const row = await server.db.runner.findUniqueOrThrow({ where: { id: runnerId(id) } });
    expect(row.ephemeralTokenCiphertext).toBeNull();
  });

  it('keeps only a sealed copy: the database holds neither the token nor anything it can be read from', async () => {
    const admin = await createUser(server.db, { admin: true });
    const created = await create({ runnerType: 'INSTANCE_TYPE' }, admin.token);
    const row = await server.db.runner.findUniqueOrThrow({ where: { id: runnerId(created.id) } });
    expect(row.ephemeralTokenCiphertext).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(created.token.slice('glrt-'.length));
    // A sealed copy moved to another runner does not open: it is bound to its own runner's token.
    const other = await create({ runnerType: 'INSTANCE_TYPE' }, admin.token);
    await server.db.runner.update({ where: { id: runnerId(other.id) }, data: { ephemeralTokenCiphertext: row.ephemeralTokenCiphertext } });
    expect((await read(other.id, admin.token)).ephemeralAuthenticationToken).toBeNull();
  });
});
