import { afterEach, describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { digestToken } from '../../src/auth/tokens.ts';
import { rotateRunnerToken } from '../../src/services/runner-tokens.ts';
import { SYSTEM_ACTOR } from '../../src/services/runner-audit.ts';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
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

const REGISTER = `mutation($input: RunnerRegisterInput!) { runnerRegister(input: $input) {
  runner { id runnerType description paused locked tagList maximumTimeout accessLevel name managers { count } }
  token tokenExpiresAt errors attributeErrors { attribute message } } }`;
const VERIFY = `mutation($token: String!) { runnerVerify(input: { token: $token }) { runner { id } token tokenExpiresAt errors } }`;
const UNREGISTER = `mutation($token: String!, $since: Time) { runnerUnregister(input: { token: $token, unmodifiedSince: $since }) { errors } }`;
const RESET_AUTH = `mutation($id: CiRunnerID, $token: String) { runnerAuthenticationTokenReset(input: { id: $id, token: $token }) { token tokenExpiresAt errors } }`;
const RESET_REGISTRATION = `mutation($type: CiRunnerType!, $id: ID) { runnersRegistrationTokenReset(input: { type: $type, id: $id }) { token errors } }`;

const register = (input: Record<string, unknown>) => server.graphql(REGISTER, { input });
const failure = (res: GraphQLResponse) => res.errors?.[0]?.extensions;

/** Where a runner ended up, as an admin sees it (the registering runner itself may see no group or project). */
async function placement(runnerId: string) {
  const { token } = await createUser(server.db, { admin: true });
  const res = await server.graphql(
    `query($id: CiRunnerID!) { runner(id: $id) { runnerType groups { edges { node { fullPath } } } ownerProject { fullPath } } }`,
    { id: runnerId },
    token,
  );
  const runner = res.data?.runner;
  return {
    type: runner?.runnerType,
    groups: runner?.groups.edges.map((edge: { node: { fullPath: string } }) => edge.node.fullPath),
    owner: runner?.ownerProject?.fullPath ?? null,
  };
}

afterEach(async () => {
  // Tests that change instance settings put them back, so each test starts from GitLab's defaults.
  await server.db.applicationSetting.deleteMany({});
});

describe('runnerRegister', () => {
  it('registers an instance runner with the instance token and returns its authentication token once', async () => {
    const registrationToken = await resetRegistrationToken(server.db, { kind: 'instance' });

    const res = await register({
      token: registrationToken,
      description: 'docker on build-01',
      info: { name: 'build-01', version: '17.2.0', platform: 'linux', executor: 'docker' },
      active: false,
      tagList: ['docker', ' linux ', 'docker'],
      maximumTimeout: 3600,
      accessLevel: 'REF_PROTECTED',
    });

    expect(res.errors).toBeUndefined();
    const payload = res.data?.runnerRegister;
    expect(payload.errors).toEqual([]);
    // GitLab's form for a registered (not user-created) runner: its type's prefix, never `glrt-`.
    expect(payload.token).toMatch(/^t1_[\w-]{27}$/);
    expect(payload.tokenExpiresAt).toBeNull();
    expect(payload.runner).toMatchObject({
      runnerType: 'INSTANCE_TYPE',
      description: 'docker on build-01',
      paused: true,
      locked: false,
      tagList: ['docker', 'linux'],
      maximumTimeout: 3600,
      accessLevel: 'REF_PROTECTED',
      name: 'build-01',
      // GitLab keeps only the name at registration: the host's facts come with its first contact, to its manager.
      managers: { count: 0 },
    });
    const id = Number(String(payload.runner.id).split('/').pop());
    const row = await server.db.runner.findUniqueOrThrow({ where: { id } });
    expect(row.registrationType).toBe('registration_token');
    expect(row.tokenDigest).toBe(digestToken(payload.token));
    expect(Object.values(row)).not.toContain(payload.token);
  });

  it("registers a group runner with a group's token and a project runner with a project's token", async () => {
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const groupToken = await resetRegistrationToken(server.db, { kind: 'group', groupId: group.id });
    const projectToken = await resetRegistrationToken(server.db, { kind: 'project', projectId: project.id });

    const groupRunner = (await register({ token: groupToken })).data?.runnerRegister.runner;
    expect(await placement(groupRunner.id)).toEqual({ type: 'GROUP_TYPE', groups: [group.fullPath], owner: null });
    const projectRunner = (await register({ token: projectToken })).data?.runnerRegister.runner;
    expect(await placement(projectRunner.id)).toEqual({ type: 'PROJECT_TYPE', groups: [], owner: project.pathWithNamespace });
  });

  it('refuses a blank or unknown token as FORBIDDEN "invalid token supplied"', async () => {
    for (const token of ['', '   ', 'GR1348941not-a-token']) {
      const res = await register({ token });
      expect(failure(res), JSON.stringify(token)).toEqual({ code: 'FORBIDDEN', reason: 'invalid token supplied' });
    }
  });

  it('answers GONE "runner registration disallowed" when the instance turned registration tokens off', async () => {
    const registrationToken = await resetRegistrationToken(server.db, { kind: 'instance' });
    await server.db.applicationSetting.create({ data: { id: 1, allowRunnerRegistrationToken: false } });

    const res = await register({ token: registrationToken });

    expect(failure(res)).toEqual({ code: 'GONE', reason: 'runner registration disallowed' });
    expect(res.data?.runnerRegister ?? null).toBeNull();
  });

  it('reports invalid attributes as errors, by attribute, and creates nothing', async () => {
    const registrationToken = await resetRegistrationToken(server.db, { kind: 'instance' });
    const before = await server.db.runner.count();

    const untagged = await register({ token: registrationToken, runUntagged: false, maximumTimeout: 100 });
    expect(untagged.data?.runnerRegister).toMatchObject({
      runner: null,
      token: null,
      errors: [
        'Maximum timeout needs to be at least 10 minutes',
        'Tags list can not be empty when runner is not allowed to pick untagged jobs',
      ],
      attributeErrors: [
        { attribute: 'maximum_timeout', message: 'needs to be at least 10 minutes' },
        { attribute: 'tags_list', message: 'can not be empty when runner is not allowed to pick untagged jobs' },
      ],
    });
    const host = await register({ token: registrationToken, info: { name: 'n'.repeat(257) } });
    expect(host.data?.runnerRegister.attributeErrors).toEqual([{ attribute: 'name', message: 'is too long (maximum is 256 characters)' }]);
    expect(await server.db.runner.count()).toBe(before);
  });

  it('refuses both active and paused', async () => {
    const res = await register({ token: 'anything', active: true, paused: false });
    expect(res.errors?.[0]?.message).toBe('active, paused are mutually exclusive');
    expect(failure(res)?.code).toBe('BAD_USER_INPUT');
  });

  it('gives the token an expiry when the instance sets one', async () => {
    const registrationToken = await resetRegistrationToken(server.db, { kind: 'instance' });
    await server.db.applicationSetting.create({ data: { id: 1, runnerTokenExpirationInterval: 86_400 } });

    const res = await register({ token: registrationToken });

    const expiresIn = new Date(res.data?.runnerRegister.tokenExpiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(86_400_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(86_400_000);
  });
});

describe('runnerVerify', () => {
  const VERIFY_HOST = `mutation($input: RunnerVerifyInput!) { runnerVerify(input: $input) { runner { id } token errors attributeErrors { attribute message } } }`;
  const MANAGERS = `query($id: CiRunnerID!) { runner(id: $id) { status contactedAt managers { count nodes { systemId version ipAddress status } } } }`;

  it('records the host as a runner manager; a glrt- runner stays NEVER_CONTACTED', async () => {
    const { token: admin } = await createUser(server.db, { admin: true });
    const created = await server.graphql(
      `mutation { runnerCreate(input: { runnerType: INSTANCE_TYPE }) { runner { id ephemeralAuthenticationToken } } }`,
      {},
      admin,
    );
    const { id, ephemeralAuthenticationToken: glrt } = created.data!.runnerCreate.runner;
    expect(glrt).toMatch(/^glrt-t1_/);

    const res = await server.graphql(VERIFY_HOST, {
      input: { token: glrt, systemId: 's_graphql', info: { version: '17.5.0' }, ipAddress: '10.1.2.3' },
    });
    expect(res.data?.runnerVerify).toEqual({ runner: { id }, token: glrt, errors: [], attributeErrors: [] });
    const after = await server.graphql(MANAGERS, { id }, admin);
    expect(after.data?.runner).toEqual({
      status: 'NEVER_CONTACTED',
      contactedAt: null,
      managers: { count: 1, nodes: [{ systemId: 's_graphql', version: '17.5.0', ipAddress: '10.1.2.3', status: 'ONLINE' }] },
    });

    const bad = await server.graphql(VERIFY_HOST, { input: { token: glrt, systemId: '', ipAddress: 'not-an-ip' } });
    expect(bad.data?.runnerVerify).toMatchObject({
      runner: null,
      attributeErrors: [
        { attribute: 'system_xid', message: "can't be blank" },
        { attribute: 'ip_address', message: 'is invalid' },
      ],
    });
  });

  it('echoes a valid token, and counts as a contact without changing the runner', async () => {
    const { runner, token } = await createRunner(server.db, { contactedAt: null });

    const res = await server.graphql(VERIFY, { token });

    expect(res.data?.runnerVerify).toEqual({ runner: { id: runnerGid(runner.id) }, token, tokenExpiresAt: null, errors: [] });
    const after = await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } });
    expect(Math.abs(Date.now() - (after.contactedAt?.getTime() ?? 0))).toBeLessThan(60_000);
    expect(after.updatedAt).toEqual(runner.updatedAt);
    const { token: admin } = await createUser(server.db, { admin: true });
    const status = await server.graphql(`query($id: CiRunnerID!) { runner(id: $id) { status } }`, { id: runnerGid(runner.id) }, admin);
    expect(status.data?.runner.status).toBe('ONLINE');
  });

  it('refuses unknown and expired tokens alike: FORBIDDEN without a reason', async () => {
    const { runner, token } = await createRunner(server.db);
    await server.db.runner.update({ where: { id: runner.id }, data: { tokenExpiresAt: new Date(Date.now() - 1000) } });

    expect(failure(await server.graphql(VERIFY, { token: 'glrt-unknown' }))).toEqual({ code: 'FORBIDDEN' });
    expect(failure(await server.graphql(VERIFY, { token }))).toEqual({ code: 'FORBIDDEN' });
    expect(failure(await server.graphql(VERIFY, { token: '' }))).toEqual({ code: 'FORBIDDEN' });
  });
});

describe('runnerUnregister', () => {
  it('deletes the runner that owns the token; the token is dead afterwards', async () => {
    const { runner, token } = await createRunner(server.db);

    const res = await server.graphql(UNREGISTER, { token });

    expect(res.data?.runnerUnregister).toEqual({ errors: [] });
    expect(await server.db.runner.findUnique({ where: { id: runner.id } })).toBeNull();
    expect(failure(await server.graphql(UNREGISTER, { token }))).toEqual({ code: 'FORBIDDEN' });
  });

  it('honours unmodifiedSince: PRECONDITION_FAILED if the runner changed later', async () => {
    const { runner, token } = await createRunner(server.db);

    const early = await server.graphql(UNREGISTER, { token, since: new Date(runner.updatedAt.getTime() - 1000).toISOString() });
    expect(failure(early)?.code).toBe('PRECONDITION_FAILED');
    expect(await server.db.runner.findUnique({ where: { id: runner.id } })).not.toBeNull();

    const late = await server.graphql(UNREGISTER, { token, since: runner.updatedAt.toISOString() });
    expect(late.data?.runnerUnregister).toEqual({ errors: [] });
  });

  it('refuses an expired token', async () => {
    const { runner, token } = await createRunner(server.db);
    await server.db.runner.update({ where: { id: runner.id }, data: { tokenExpiresAt: new Date(Date.now() - 1000) } });
    expect(failure(await server.graphql(UNREGISTER, { token }))).toEqual({ code: 'FORBIDDEN' });
    expect(await server.db.runner.findUnique({ where: { id: runner.id } })).not.toBeNull();
  });
});

describe('runnerAuthenticationTokenReset', () => {
  it('lets a runner rotate its own token: the old one stops working, the new one works', async () => {
    const { runner, token } = await createRunner(server.db);

    const res = await server.graphql(RESET_AUTH, { token });

    const fresh = res.data?.runnerAuthenticationTokenReset.token;
    // The new token keeps the old one's form: a registered instance runner's `t1_`.
    expect(fresh).toMatch(/^t1_/);
    expect(fresh).not.toBe(token);
    expect(failure(await server.graphql(VERIFY, { token }))).toEqual({ code: 'FORBIDDEN' });
    expect((await server.graphql(VERIFY, { token: fresh })).data?.runnerVerify.runner).toEqual({ id: runnerGid(runner.id) });
    const row = await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } });
    expect(row.tokenPrefix).toBe(fresh.slice(0, 13));
  });

  it('lets exactly one of two concurrent resets with the same token win', async () => {
    const { token } = await createRunner(server.db);

    const results = await Promise.all([server.graphql(RESET_AUTH, { token }), server.graphql(RESET_AUTH, { token })]);

    const winners = results.filter((res) => res.data?.runnerAuthenticationTokenReset?.token);
    expect(winners).toHaveLength(1);
    expect(results.filter((res) => failure(res)?.code === 'FORBIDDEN')).toHaveLength(1);
    const fresh = winners[0]?.data?.runnerAuthenticationTokenReset.token;
    expect((await server.graphql(VERIFY, { token: fresh })).data?.runnerVerify.token).toBe(fresh);
  });

  it('rotates only from the token it read: a reset that lost a race changes nothing', async () => {
    // Requests to one server rarely interleave finely enough to show the race, so this replays it directly:
    // both resets authenticated with the same token before either wrote.
    const { runner, token } = await createRunner(server.db);
    const [first, second] = await Promise.all([
      rotateRunnerToken(server.db, runner, digestToken(token), SYSTEM_ACTOR),
      rotateRunnerToken(server.db, runner, digestToken(token), SYSTEM_ACTOR),
    ]);

    expect([first, second].filter((result) => result !== null)).toHaveLength(1);
    const winner = (first ?? second)?.token ?? '';
    expect((await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } })).tokenDigest).toBe(digestToken(winner));
  });

  it('refuses an unknown or expired token', async () => {
    const { runner, token } = await createRunner(server.db);
    await server.db.runner.update({ where: { id: runner.id }, data: { tokenExpiresAt: new Date(Date.now() - 1000) } });
    expect(failure(await server.graphql(RESET_AUTH, { token }))).toEqual({ code: 'FORBIDDEN' });
    expect(failure(await server.graphql(RESET_AUTH, { token: 'glrt-nope' }))).toEqual({ code: 'FORBIDDEN' });
  });

  it('lets a user who may update the runner reset it by id, with an api or manage_runner token', async () => {
    const project = await createProject(server.db);
    const { runner, token: oldToken } = await createRunner(server.db, { projectIds: [project.id] });
    const maintainer = await createUser(server.db, { scopes: ['manage_runner'] });
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);

    const res = await server.graphql(RESET_AUTH, { id: runnerGid(runner.id) }, maintainer.token);

    expect(res.data?.runnerAuthenticationTokenReset.token).toMatch(/^t3_/);
    expect(failure(await server.graphql(VERIFY, { token: oldToken }))).toEqual({ code: 'FORBIDDEN' });
    // An expired token is renewed too: this is how an administrator revives a runner.
    await server.db.runner.update({ where: { id: runner.id }, data: { tokenExpiresAt: new Date(Date.now() - 1000) } });
    const { token: admin } = await createUser(server.db, { admin: true });
    const revived = await server.graphql(RESET_AUTH, { id: runnerGid(runner.id) }, admin);
    expect(revived.data?.runnerAuthenticationTokenReset).toEqual({
      token: expect.stringMatching(/^t3_/),
      tokenExpiresAt: null,
      errors: [],
    });
  });

  it('refuses a reset by id to those who may not update the runner, NOT_FOUND coming first', async () => {
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const reporter = await createUser(server.db);
    await addProjectMember(server.db, project.id, reporter.user.id, AccessLevel.REPORTER);
    const readOnly = await createUser(server.db, { admin: true, scopes: ['read_api'] });
    const id = runnerGid(runner.id);

    expect(failure(await server.graphql(RESET_AUTH, { id }, reporter.token))).toEqual({ code: 'FORBIDDEN', reason: 'No access granted' });
    expect(failure(await server.graphql(RESET_AUTH, { id: runnerGid(999_999) }, reporter.token))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Runner',
    });
    expect(failure(await server.graphql(RESET_AUTH, { id }))?.code).toBe('UNAUTHENTICATED');
    expect(failure(await server.graphql(RESET_AUTH, { id }, readOnly.token))?.code).toBe('INSUFFICIENT_SCOPE');
  });

  it('takes exactly one of id and token', async () => {
    const { runner, token } = await createRunner(server.db);
    const both = await server.graphql(RESET_AUTH, { id: runnerGid(runner.id), token });
    expect(both.errors?.[0]).toMatchObject({ message: 'id, token are mutually exclusive', extensions: { code: 'BAD_USER_INPUT' } });
    const neither = await server.graphql(RESET_AUTH, {});
    expect(neither.errors?.[0]).toMatchObject({
      message: 'id, token are missing, exactly one parameter must be provided',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe('runnersRegistrationTokenReset', () => {
  const registeredType = async (token: string) => (await register({ token })).data?.runnerRegister.runner?.runnerType;

  it("resets the instance's token for admins only; the new token registers instance runners, the old one nothing", async () => {
    const old = await resetRegistrationToken(server.db, { kind: 'instance' });
    const { token: admin } = await createUser(server.db, { admin: true });
    const { token: user } = await createUser(server.db);

    expect(failure(await server.graphql(RESET_REGISTRATION, { type: 'INSTANCE_TYPE' }, user))).toEqual({ code: 'FORBIDDEN' });
    const res = await server.graphql(RESET_REGISTRATION, { type: 'INSTANCE_TYPE' }, admin);

    const fresh = res.data?.runnersRegistrationTokenReset.token;
    expect(fresh).toEqual(expect.any(String));
    expect(await registeredType(fresh)).toBe('INSTANCE_TYPE');
    expect(failure(await register({ token: old }))).toEqual({ code: 'FORBIDDEN', reason: 'invalid token supplied' });
  });

  it("resets a group's token for its Owners; the new token registers runners of that group", async () => {
    const group = await createGroup(server.db);
    const old = await resetRegistrationToken(server.db, { kind: 'group', groupId: group.id });
    const owner = await createUser(server.db);
    const maintainer = await createUser(server.db);
    const stranger = await createUser(server.db);
    await addGroupMember(server.db, group.id, owner.user.id, AccessLevel.OWNER);
    await addGroupMember(server.db, group.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const variables = { type: 'GROUP_TYPE', id: gid('Group', group.id) };

    expect(failure(await server.graphql(RESET_REGISTRATION, variables, maintainer.token))).toEqual({ code: 'FORBIDDEN' });
    expect(failure(await server.graphql(RESET_REGISTRATION, variables, stranger.token))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Group',
    });
    const res = await server.graphql(RESET_REGISTRATION, variables, owner.token);

    const fresh = res.data?.runnersRegistrationTokenReset.token;
    expect(fresh).toMatch(/^GR1348941/);
    const runner = (await register({ token: fresh })).data?.runnerRegister.runner;
    expect(await placement(runner.id)).toEqual({ type: 'GROUP_TYPE', groups: [group.fullPath], owner: null });
    expect(failure(await register({ token: old }))?.reason).toBe('invalid token supplied');
  });

  it("resets a project's token for its Maintainers; the new token registers runners of that project", async () => {
    const project = await createProject(server.db);
    const maintainer = await createUser(server.db);
    const reporter = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    await addProjectMember(server.db, project.id, reporter.user.id, AccessLevel.REPORTER);
    const variables = { type: 'PROJECT_TYPE', id: gid('Project', project.id) };

    expect(failure(await server.graphql(RESET_REGISTRATION, variables, reporter.token))).toEqual({ code: 'FORBIDDEN' });
    const res = await server.graphql(RESET_REGISTRATION, variables, maintainer.token);

    const runner = (await register({ token: res.data?.runnersRegistrationTokenReset.token })).data?.runnerRegister.runner;
    expect(await placement(runner.id)).toEqual({ type: 'PROJECT_TYPE', groups: [], owner: project.pathWithNamespace });
  });

  it('rejects ids that do not fit the type, and answers NOT_FOUND for a group or project that does not exist', async () => {
    const { token: admin } = await createUser(server.db, { admin: true });
    const { token: readOnly } = await createUser(server.db, { admin: true, scopes: ['read_api'] });
    const reset = (variables: Record<string, unknown>, token = admin) => server.graphql(RESET_REGISTRATION, variables, token);

    expect((await reset({ type: 'INSTANCE_TYPE', id: gid('Group', 1) })).errors?.[0]).toMatchObject({
      message: "id must not be specified for 'instance_type' scope",
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await reset({ type: 'GROUP_TYPE' })).errors?.[0]).toMatchObject({
      message: "id is required for 'group_type' scope",
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await reset({ type: 'GROUP_TYPE', id: gid('Project', 1) })).errors?.[0]?.message).toContain(
      'does not represent an instance of Group',
    );
    expect(failure(await reset({ type: 'GROUP_TYPE', id: gid('Group', 999_999) }))).toMatchObject({ code: 'NOT_FOUND', resource: 'Group' });
    expect(failure(await reset({ type: 'PROJECT_TYPE', id: gid('Project', 999_999) }))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Project',
    });
    expect(failure(await reset({ type: 'INSTANCE_TYPE' }, readOnly))?.code).toBe('INSUFFICIENT_SCOPE');
    expect(failure(await server.graphql(RESET_REGISTRATION, { type: 'INSTANCE_TYPE' }))?.code).toBe('UNAUTHENTICATED');
  });
});
