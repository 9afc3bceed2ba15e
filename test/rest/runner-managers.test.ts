import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { addProjectMember, createJob, createProject, createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// Runner managers: the hosts using one runner's token, told apart by the system_id gitlab-runner sends (GitLab 15.10+).

const server = useTestServer();

const MANAGERS = `query($id: CiRunnerID!, $systemId: String, $status: CiRunnerStatus) { runner(id: $id) {
  status contactedAt version platformName jobExecutionStatus
  managers(systemId: $systemId, status: $status) {
    count
    nodes { id systemId status version revision platformName architectureName executorName ipAddress contactedAt createdAt
            jobExecutionStatus runner { id } }
  }
} }`;

async function registeredRunner() {
  const registration = await resetRegistrationToken(server.db, { kind: 'instance' });
  const { body } = await server.rest('POST', '/runners', { form: { token: registration } });
  return body as { id: number; token: string };
}

const host = (version: string) => ({ version, revision: 'abc123', platform: 'linux', architecture: 'amd64', executor: 'docker' });

describe('POST /api/v4/runners/verify records the runner manager', () => {
  it('creates one manager per system_id with its host facts, and updates it on the next contact', async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await registeredRunner();

    const first = await server.rest('POST', '/runners/verify', {
      json: { token: runner.token, system_id: 's_0123456789ab', info: host('17.1.0') },
    });
    expect(first).toMatchObject({ status: 200, body: { id: runner.id, token: runner.token, token_expires_at: null } });
    await server.rest('POST', '/runners/verify', { json: { token: runner.token, system_id: 's_0123456789ab', info: host('17.2.0') } });
    await server.rest('POST', '/runners/verify', { json: { token: runner.token, system_id: 'r_other000000', info: host('16.11.1') } });
    // Without a system_id GitLab files the contact under "<legacy>"; without info only the address is recorded.
    await server.rest('POST', '/runners/verify', { form: { token: runner.token } });

    const res = await server.rest('GET', `/runners/${runner.id}/managers`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total')).toBeNull();
    expect(res.body.map((m: { system_id: string }) => m.system_id)).toEqual(['s_0123456789ab', 'r_other000000', '<legacy>']);
    const [manager, , legacy] = res.body;
    expect(Object.keys(manager)).toEqual([
      'id',
      'system_id',
      'version',
      'revision',
      'platform',
      'architecture',
      'created_at',
      'contacted_at',
      'ip_address',
      'status',
      'job_execution_status',
    ]);
    expect(manager).toMatchObject({
      system_id: 's_0123456789ab',
      version: '17.2.0',
      revision: 'abc123',
      platform: 'linux',
      architecture: 'amd64',
      ip_address: expect.stringContaining('127.0.0.1'),
      status: 'online',
      job_execution_status: 'idle',
    });
    expect(legacy).toMatchObject({ version: null, platform: null, status: 'online', ip_address: expect.stringContaining('127.0.0.1') });

    // The runner is online, and its (deprecated) host fields are those of the manager that called last.
    const details = await server.rest('GET', `/runners/${runner.id}`, { token: admin.token });
    expect(details.body).toMatchObject({ status: 'online', online: true, version: null, platform: null });
    await server.rest('POST', '/runners/verify', { json: { token: runner.token, system_id: 'r_other000000', info: host('16.11.1') } });
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: admin.token })).body).toMatchObject({
      version: '16.11.1',
      platform: 'linux',
    });
  });

  it('leaves a created (glrt-) runner never contacted, but records its manager', async () => {
    const admin = await createUser(server.db, { admin: true });
    const created = await server.rest('POST', '/user/runners', { token: admin.token, json: { runner_type: 'instance_type' } });
    expect(created.body.token).toMatch(/^glrt-t1_/);

    const verified = await server.rest('POST', '/runners/verify', { json: { token: created.body.token, system_id: 's_host1' } });

    expect(verified).toMatchObject({ status: 200, body: { id: created.body.id, token: created.body.token } });
    const details = await server.rest('GET', `/runners/${created.body.id}`, { token: admin.token });
    expect(details.body).toMatchObject({ contacted_at: null, online: null, status: 'never_contacted' });
    const managers = await server.rest('GET', `/runners/${created.body.id}/managers`, { token: admin.token });
    expect(managers.body.map((m: { system_id: string }) => m.system_id)).toEqual(['s_host1']);
  });

  it('refuses a system_id GitLab would not store, and writes nothing', async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await registeredRunner();
    const res = await server.rest('POST', '/runners/verify', { json: { token: runner.token, system_id: 's'.repeat(65) } });
    expect(res).toMatchObject({ status: 400, body: { message: { system_xid: ['is too long (maximum is 64 characters)'] } } });
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: admin.token })).body.status).toBe('never_contacted');
    expect((await server.rest('GET', `/runners/${runner.id}/managers`, { token: admin.token })).body).toEqual([]);
  });
});

describe('GET /api/v4/runners/:id/managers', () => {
  it('is read as GET /runners/:id: 404 for an unknown runner, 403 to those who may not read it, [] with none', async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await registeredRunner();
    expect(await server.rest('GET', `/runners/${runner.id}/managers`, { token: admin.token })).toMatchObject({ status: 200, body: [] });
    expect(await server.rest('GET', '/runners/999999/managers', { token: admin.token })).toMatchObject({
      status: 404,
      body: { message: '404 Runner Not Found' },
    });
    expect(await server.rest('GET', `/runners/${runner.id}/managers`)).toMatchObject({
      status: 401,
      body: { message: '401 Unauthorized' },
    });

    const project = await createProject(server.db);
    const registration = await resetRegistrationToken(server.db, { kind: 'project', projectId: project.id });
    const projectRunner = (await server.rest('POST', '/runners', { form: { token: registration } })).body;
    const developer = await createUser(server.db);
    await addProjectMember(server.db, project.id, developer.user.id, AccessLevel.DEVELOPER);
    const show = await server.rest('GET', `/runners/${projectRunner.id}`, { token: developer.token });
    const managers = await server.rest('GET', `/runners/${projectRunner.id}/managers`, { token: developer.token });
    expect(show.status).toBe(403);
    expect({ status: managers.status, body: managers.body }).toEqual({ status: show.status, body: show.body });
  });
});

describe('CiRunner.managers (GraphQL)', () => {
  it("lists the managers with GitLab's fields, counted, filtered by system ID and status", async () => {
    const admin = await createUser(server.db, { admin: true });
    const runner = await registeredRunner();
    await server.rest('POST', '/runners/verify', { json: { token: runner.token, system_id: 's_a', info: host('17.3.0') } });
    await server.rest('POST', '/runners/verify', { json: { token: runner.token, system_id: 's_b', info: host('17.4.0') } });
    const stale = await server.db.runnerManager.update({
      where: { runnerId_systemXid: { runnerId: runner.id, systemXid: 's_b' } },
      data: { createdAt: new Date(Date.now() - 30 * 86_400_000), contactedAt: new Date(Date.now() - 20 * 86_400_000) },
    });

    const res = await server.graphql(MANAGERS, { id: runnerGid(runner.id) }, admin.token);

    expect(res.errors).toBeUndefined();
    const { managers, ...own } = res.data!.runner;
    expect(own).toMatchObject({ status: 'ONLINE', version: '17.3.0', platformName: 'linux', jobExecutionStatus: 'IDLE' });
    expect(managers.count).toBe(2);
    expect(managers.nodes[0]).toEqual({
      id: expect.stringMatching(/^gid:\/\/gitlab\/Ci::RunnerManager\/\d+$/),
      systemId: 's_a',
      status: 'ONLINE',
      version: '17.3.0',
      revision: 'abc123',
      platformName: 'linux',
      architectureName: 'amd64',
      executorName: 'docker',
      ipAddress: expect.stringContaining('127.0.0.1'),
      contactedAt: expect.any(String),
      createdAt: expect.any(String),
      jobExecutionStatus: 'IDLE',
      runner: { id: runnerGid(runner.id) },
    });
    expect(managers.nodes[1]).toMatchObject({ id: `gid://gitlab/Ci::RunnerManager/${stale.id}`, systemId: 's_b', status: 'STALE' });

    const bySystem = await server.graphql(MANAGERS, { id: runnerGid(runner.id), systemId: 's_b' }, admin.token);
    expect(bySystem.data?.runner.managers.nodes.map((m: { systemId: string }) => m.systemId)).toEqual(['s_b']);
    const online = await server.graphql(MANAGERS, { id: runnerGid(runner.id), status: 'ONLINE' }, admin.token);
    expect(online.data?.runner.managers).toMatchObject({ count: 1, nodes: [{ systemId: 's_a' }] });
  });

  it('is as visible as the runner: a stranger gets nothing', async () => {
    const project = await createProject(server.db);
    const registration = await resetRegistrationToken(server.db, { kind: 'project', projectId: project.id });
    const runner = (await server.rest('POST', '/runners', { form: { token: registration } })).body;
    const stranger = await createUser(server.db);
    const res = await server.graphql(MANAGERS, { id: runnerGid(runner.id) }, stranger.token);
    expect(res.data?.runner ?? null).toBeNull();
  });
});

describe('jobs record the manager that ran them', () => {
  async function jobOnHost(systemId: string | undefined) {
    const project = await createProject(server.db);
    const maintainer = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const registration = await resetRegistrationToken(server.db, { kind: 'project', projectId: project.id });
    const runner = (await server.rest('POST', '/runners', { form: { token: registration } })).body;
    return { project, maintainer, runner, systemId };
  }

  it("RUN takes the host's system ID; GET /runners/:id/jobs?system_id= lists its jobs with limited pagination headers", async () => {
    const { project, maintainer, runner } = await jobOnHost(undefined);
    const ids: Record<string, number[]> = { s_one: [], s_two: [] };
    for (const systemId of ['s_one', 's_two', 's_one', 's_one']) {
      const job = await createJob(server.db, { projectId: project.id, status: 'pending' });
      const res = await server.graphql(
        `mutation($input: JobTransitionInput!) { jobTransition(input: $input) { job { id status } errors } }`,
        { input: { id: `gid://gitlab/Ci::Build/${job.id}`, event: 'RUN', runnerId: runnerGid(runner.id), systemId } },
        maintainer.token,
      );
      expect(res.data?.jobTransition).toMatchObject({ job: { status: 'RUNNING' }, errors: [] });
      ids[systemId]!.push(job.id);
    }

    const page = await server.rest('GET', `/runners/${runner.id}/jobs?system_id=s_one&per_page=2`, { token: maintainer.token });
    expect(page.status).toBe(200);
    expect(page.body.map((j: { id: number }) => j.id)).toEqual(ids.s_one!.slice(0, 2));
    // GitLab does not count jobs filtered by manager: no X-Total, no X-Total-Pages, no rel="last".
    expect(page.headers.get('x-total')).toBeNull();
    expect(page.headers.get('x-total-pages')).toBeNull();
    expect(page.headers.get('x-per-page')).toBe('2');
    expect(page.headers.get('x-page')).toBe('1');
    expect(page.headers.get('x-next-page')).toBe('2');
    expect(page.headers.get('x-prev-page')).toBe('');
    expect(page.headers.get('link')).toMatch(/rel="next".*rel="first"$/);
    expect(page.headers.get('link')).not.toContain('rel="last"');
    const last = await server.rest('GET', `/runners/${runner.id}/jobs?system_id=s_one&per_page=2&page=2`, { token: maintainer.token });
    expect(last.body.map((j: { id: number }) => j.id)).toEqual(ids.s_one!.slice(2));
    expect(last.headers.get('x-next-page')).toBe('');

    expect((await server.rest('GET', `/runners/${runner.id}/jobs?system_id=s_unknown`, { token: maintainer.token })).body).toEqual([]);
    const all = await server.rest('GET', `/runners/${runner.id}/jobs`, { token: maintainer.token });
    expect(all.headers.get('x-total')).toBe('4');

    // The host that took a running job shows as busy; its jobs are reachable through GraphQL as well.
    const graph = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { managers { nodes { systemId jobExecutionStatus } } jobs(systemId: "s_two") { count nodes { id } } } }`,
      { id: runnerGid(runner.id) },
      maintainer.token,
    );
    expect(graph.data?.runner).toEqual({
      managers: {
        nodes: [
          { systemId: 's_one', jobExecutionStatus: 'ACTIVE' },
          { systemId: 's_two', jobExecutionStatus: 'ACTIVE' },
        ],
      },
      jobs: { count: 1, nodes: [{ id: `gid://gitlab/Ci::Build/${ids.s_two![0]}` }] },
    });
  });

  it('files a job run without a system ID under the "<legacy>" manager, as GitLab does', async () => {
    const { project, maintainer, runner } = await jobOnHost(undefined);
    const job = await createJob(server.db, { projectId: project.id, status: 'pending' });
    await server.graphql(
      `mutation($input: JobTransitionInput!) { jobTransition(input: $input) { errors } }`,
      { input: { id: `gid://gitlab/Ci::Build/${job.id}`, event: 'RUN', runnerId: runnerGid(runner.id) } },
      maintainer.token,
    );
    const managers = await server.rest('GET', `/runners/${runner.id}/managers`, { token: maintainer.token });
    expect(managers.body).toMatchObject([{ system_id: '<legacy>', status: 'online', job_execution_status: 'active' }]);
    const listed = await server.rest('GET', `/runners/${runner.id}/jobs?system_id=%3Clegacy%3E`, { token: maintainer.token });
    expect(listed.body.map((j: { id: number }) => j.id)).toEqual([job.id]);
  });
});
