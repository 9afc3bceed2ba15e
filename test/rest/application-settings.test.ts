import { afterEach, describe, expect, it } from 'vitest';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createGroup, createProject, createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// The instance's runner settings over GitLab's /application/settings shape, and where GitLab enforces them.

const server = useTestServer();

const DEFAULTS = {
  allow_runner_registration_token: true,
  valid_runner_registrars: ['project', 'group'],
  runner_token_expiration_interval: null,
  group_runner_token_expiration_interval: null,
  project_runner_token_expiration_interval: null,
  allow_stale_instance_runner_pruning: false,
};

afterEach(async () => {
  await server.db.applicationSetting.deleteMany({});
  await server.db.planLimit.deleteMany({});
});

describe('GET and PUT /api/v4/application/settings', () => {
  it('shows and changes the runner settings for administrators only', async () => {
    const admin = await createUser(server.db, { admin: true });
    const user = await createUser(server.db);

    expect(await server.rest('GET', '/application/settings', { token: admin.token })).toMatchObject({ status: 200, body: DEFAULTS });
    expect(await server.rest('GET', '/application/settings', { token: user.token })).toMatchObject({
      status: 403,
      body: { message: '403 Forbidden' },
    });
    expect(await server.rest('GET', '/application/settings')).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    expect(
      (await server.rest('PUT', '/application/settings', { token: user.token, form: { allow_runner_registration_token: 'false' } })).status,
    ).toBe(403);

    const changed = await server.rest('PUT', '/application/settings', {
      token: admin.token,
      form: {
        valid_runner_registrars: ['group'],
        runner_token_expiration_interval: '86400',
        project_runner_token_expiration_interval: '7200',
      },
    });
    expect(changed).toMatchObject({
      status: 200,
      body: {
        ...DEFAULTS,
        valid_runner_registrars: ['group'],
        runner_token_expiration_interval: 86400,
        project_runner_token_expiration_interval: 7200,
      },
    });
    expect(Object.keys(changed.body)).toEqual(Object.keys(DEFAULTS));
    // An empty value clears an interval; what is not sent stays.
    const cleared = await server.rest('PUT', '/application/settings', {
      token: admin.token,
      form: { runner_token_expiration_interval: '' },
    });
    expect(cleared.body).toMatchObject({
      runner_token_expiration_interval: null,
      project_runner_token_expiration_interval: 7200,
      valid_runner_registrars: ['group'],
    });

    // GraphQL answers the same settings.
    const graph = await server.graphql(
      '{ applicationSettings { validRunnerRegistrars projectRunnerTokenExpirationInterval } }',
      {},
      admin.token,
    );
    expect(graph.data?.applicationSettings).toEqual({ validRunnerRegistrars: ['group'], projectRunnerTokenExpirationInterval: 7200 });
  });

  it("refuses bad values with GitLab's envelopes and changes nothing", async () => {
    const admin = await createUser(server.db, { admin: true });
    expect(
      await server.rest('PUT', '/application/settings', { token: admin.token, json: { valid_runner_registrars: ['project', 'instance'] } }),
    ).toMatchObject({ status: 400, body: { error: 'valid_runner_registrars does not have a valid value' } });
    expect(
      await server.rest('PUT', '/application/settings', { token: admin.token, json: { runner_token_expiration_interval: 'soon' } }),
    ).toMatchObject({ status: 400, body: { error: 'runner_token_expiration_interval is invalid' } });
    expect(
      await server.rest('PUT', '/application/settings', { token: admin.token, json: { group_runner_token_expiration_interval: -1 } }),
    ).toMatchObject({
      status: 400,
      body: { message: { group_runner_token_expiration_interval: ['must be a whole number of seconds, 0 or more'] } },
    });
    expect((await server.rest('GET', '/application/settings', { token: admin.token })).body).toEqual(DEFAULTS);
  });
});

describe('applicationSettingsUpdate (GraphQL)', () => {
  it('is for administrators, and reports bad values by attribute', async () => {
    const admin = await createUser(server.db, { admin: true });
    const user = await createUser(server.db);
    const UPDATE = `mutation($input: ApplicationSettingsUpdateInput!) { applicationSettingsUpdate(input: $input) {
      applicationSettings { allowRunnerRegistrationToken validRunnerRegistrars runnerTokenExpirationInterval } errors attributeErrors { attribute } } }`;

    const refused = await server.graphql(UPDATE, { input: { allowRunnerRegistrationToken: false } }, user.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const bad = await server.graphql(UPDATE, { input: { validRunnerRegistrars: ['nobody'] } }, admin.token);
    expect(bad.data?.applicationSettingsUpdate).toMatchObject({
      applicationSettings: null,
      attributeErrors: [{ attribute: 'valid_runner_registrars' }],
    });

    const done = await server.graphql(
      UPDATE,
      { input: { allowRunnerRegistrationToken: false, runnerTokenExpirationInterval: 10_000 } },
      admin.token,
    );
    expect(done.data?.applicationSettingsUpdate).toEqual({
      applicationSettings: {
        allowRunnerRegistrationToken: false,
        validRunnerRegistrars: ['project', 'group'],
        runnerTokenExpirationInterval: 10_000,
      },
      errors: [],
      attributeErrors: [],
    });
  });
});

describe('the settings where GitLab enforces them', () => {
  it('registers runners only with the registrars allowed, and refuses all registration tokens when they are off', async () => {
    const admin = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const groupToken = await resetRegistrationToken(server.db, { kind: 'group', groupId: group.id });
    const projectToken = await resetRegistrationToken(server.db, { kind: 'project', projectId: project.id });
    const instanceToken = await resetRegistrationToken(server.db, { kind: 'instance' });

    await server.rest('PUT', '/application/settings', { token: admin.token, json: { valid_runner_registrars: ['group'] } });
    expect(await server.rest('POST', '/runners', { form: { token: projectToken } })).toMatchObject({
      status: 403,
      body: { message: '403 Forbidden - invalid token supplied' },
    });
    expect((await server.rest('POST', '/runners', { form: { token: groupToken } })).status).toBe(201);
    expect((await server.rest('POST', '/runners', { form: { token: instanceToken } })).status).toBe(201);

    await server.rest('PUT', '/application/settings', { token: admin.token, json: { allow_runner_registration_token: false } });
    for (const token of [groupToken, instanceToken]) {
      expect(await server.rest('POST', '/runners', { form: { token } })).toMatchObject({
        status: 410,
        body: { message: '410 Gone - runner registration disallowed' },
      });
    }
  });

  it("gives new tokens the expiry of their runner type's interval", async () => {
    const admin = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    const groupToken = await resetRegistrationToken(server.db, { kind: 'group', groupId: group.id });
    const instanceToken = await resetRegistrationToken(server.db, { kind: 'instance' });
    await server.rest('PUT', '/application/settings', { token: admin.token, json: { group_runner_token_expiration_interval: 86_400 } });

    const groupRunner = await server.rest('POST', '/runners', { form: { token: groupToken } });
    const expiresIn = Date.parse(groupRunner.body.token_expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(86_400_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(86_400_000);
    expect((await server.rest('POST', '/runners', { form: { token: instanceToken } })).body.token_expires_at).toBeNull();
    // The runner's own rotation follows its type too.
    const rotated = await server.rest('POST', '/runners/reset_authentication_token', { form: { token: groupRunner.body.token } });
    expect(Date.parse(rotated.body.token_expires_at) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
  });
});

describe('GET and PUT /api/v4/application/plan_limits', () => {
  it('shows and changes the runner limits of the default plan, for administrators', async () => {
    const admin = await createUser(server.db, { admin: true });
    const user = await createUser(server.db);
    const defaults = { ci_registered_group_runners: 1000, ci_registered_project_runners: 1000 };

    expect(await server.rest('GET', '/application/plan_limits', { token: admin.token })).toMatchObject({ status: 200, body: defaults });
    expect(await server.rest('GET', '/application/plan_limits?plan_name=gold', { token: admin.token })).toMatchObject({
      status: 400,
      body: { error: 'plan_name does not have a valid value' },
    });
    expect(await server.rest('GET', '/application/plan_limits', { token: user.token })).toMatchObject({
      status: 403,
      body: { message: '403 Forbidden' },
    });
    expect(
      await server.rest('PUT', '/application/plan_limits', { token: admin.token, json: { ci_registered_group_runners: 5 } }),
    ).toMatchObject({ status: 400, body: { error: 'plan_name is missing' } });
    expect(
      await server.rest('PUT', '/application/plan_limits', {
        token: admin.token,
        json: { plan_name: 'default', ci_registered_group_runners: -5 },
      }),
    ).toMatchObject({ status: 400, body: { message: { ci_registered_group_runners: ['must be greater than or equal to 0'] } } });

    const changed = await server.rest('PUT', '/application/plan_limits', {
      token: admin.token,
      form: { plan_name: 'default', ci_registered_project_runners: '2' },
    });
    expect(changed).toMatchObject({ status: 200, body: { ci_registered_group_runners: 1000, ci_registered_project_runners: 2 } });
    const graph = await server.graphql('{ planLimits { planName ciRegisteredProjectRunners } }', {}, admin.token);
    expect(graph.data?.planLimits).toEqual({ planName: 'default', ciRegisteredProjectRunners: 2 });
  });

  it("refuses one recent runner too many for a project, registered or assigned, with GitLab's messages", async () => {
    const admin = await createUser(server.db, { admin: true });
    const project = await createProject(server.db);
    const other = await createProject(server.db);
    const maintainer = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    await addProjectMember(server.db, other.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const registration = await resetRegistrationToken(server.db, { kind: 'project', projectId: project.id });
    // A stale runner (created long ago, never contacted) does not count; a recent one does.
    await createRunner(server.db, { projectIds: [project.id], createdAt: new Date(Date.now() - 30 * 86_400_000) });
    await createRunner(server.db, { projectIds: [project.id] });
    await server.rest('PUT', '/application/plan_limits', {
      token: admin.token,
      json: { plan_name: 'default', ci_registered_project_runners: 1 },
    });

    expect(await server.rest('POST', '/runners', { form: { token: registration } })).toMatchObject({
      status: 400,
      body: { message: { 'runner_projects.base': ['Maximum number of ci registered project runners (1) exceeded'] } },
    });
    const { runner: elsewhere } = await createRunner(server.db, { projectIds: [other.id] });
    expect(
      await server.rest('POST', `/projects/${project.id}/runners`, { token: maintainer.token, json: { runner_id: elsewhere.id } }),
    ).toMatchObject({
      status: 400,
      body: { message: 'Validation failed: Maximum number of ci registered project runners (1) exceeded - runner_error' },
    });

    await server.rest('PUT', '/application/plan_limits', {
      token: admin.token,
      json: { plan_name: 'default', ci_registered_project_runners: 0 },
    });
    expect((await server.rest('POST', '/runners', { form: { token: registration } })).status).toBe(201);
  });

  it('refuses one recent runner too many for a group, over GraphQL too', async () => {
    const admin = await createUser(server.db, { admin: true });
    const group = await createGroup(server.db);
    await createRunner(server.db, { groupId: group.id });
    const limited = await server.graphql(
      'mutation { planLimitsUpdate(input: { planName: DEFAULT, ciRegisteredGroupRunners: 1 }) { planLimits { ciRegisteredGroupRunners } errors } }',
      {},
      admin.token,
    );
    expect(limited.data?.planLimitsUpdate).toEqual({ planLimits: { ciRegisteredGroupRunners: 1 }, errors: [] });

    const created = await server.graphql(
      'mutation($group: GroupID!) { runnerCreate(input: { runnerType: GROUP_TYPE, groupId: $group }) { runner { id } attributeErrors { attribute message } } }',
      { group: `gid://gitlab/Group/${group.id}` },
      admin.token,
    );
    expect(created.data?.runnerCreate).toEqual({
      runner: null,
      attributeErrors: [{ attribute: 'runner_namespaces.base', message: 'Maximum number of ci registered group runners (1) exceeded' }],
    });
  });
});
