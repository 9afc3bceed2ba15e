import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createGroup, createProject, createRunner, createUser, gid, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

const server = useTestServer();

const PIPELINE_CREATE = `mutation($input: PipelineCreateInput!) {
  pipelineCreate(input: $input) {
    pipeline {
      id iid sha ref tag status user { username }
      commit { sha title message authorName authorEmail parentIds }
      jobs { nodes { id name stage status allowFailure ref user { username } } }
    }
    errors
    attributeErrors { attribute message }
  }
}`;

const JOB_TRANSITION = `mutation($input: JobTransitionInput!) {
  jobTransition(input: $input) {
    job { id status queuedAt startedAt finishedAt failureReason coverage runner { id } pipeline { status } }
    errors
  }
}`;

const SHA = 'a'.repeat(40);
const commit = { title: 'Add CI', authorName: 'Ada', authorEmail: 'ada@example.com' };

/** A project in a group, with a Maintainer (who may also read its runners' jobs) and a Developer. */
async function setUp() {
  const group = await createGroup(server.db);
  const project = await createProject(server.db, { group });
  const maintainer = await createUser(server.db);
  const developer = await createUser(server.db);
  await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
  await addProjectMember(server.db, project.id, developer.user.id, AccessLevel.DEVELOPER);
  return { group, project, projectId: gid('Project', project.id), maintainer, developer };
}

async function createPipeline(token: string, projectId: string, jobs: object[], sha = SHA) {
  const res = await server.graphql(PIPELINE_CREATE, { input: { projectId, ref: 'main', sha, commit, jobs } }, token);
  expect(res.errors).toBeUndefined();
  expect(res.data?.pipelineCreate.errors).toEqual([]);
  return res.data?.pipelineCreate.pipeline;
}

async function transition(token: string, input: Record<string, unknown>) {
  return server.graphql(JOB_TRANSITION, { input }, token);
}

describe('Mutation.pipelineCreate', () => {
  it('creates a pipeline with its jobs, all CREATED, numbered per project, reusing a known commit', async () => {
    const { projectId, developer } = await setUp();
    const jobs = [
      { name: 'build', stage: 'build' },
      { name: 'lint', stage: 'test', allowFailure: true },
    ];

    const first = await createPipeline(developer.token, projectId, jobs);

    expect(first).toMatchObject({
      iid: '1',
      sha: SHA,
      ref: 'main',
      tag: false,
      status: 'CREATED',
      user: { username: developer.user.username },
      commit: { sha: SHA, title: 'Add CI', message: 'Add CI', authorName: 'Ada', authorEmail: 'ada@example.com', parentIds: [] },
    });
    expect(first.jobs.nodes).toEqual([
      {
        id: expect.stringMatching(/^gid:\/\/gitlab\/Ci::Build\/\d+$/),
        name: 'build',
        stage: 'build',
        status: 'CREATED',
        allowFailure: false,
        ref: 'main',
        user: { username: developer.user.username },
      },
      {
        id: expect.any(String),
        name: 'lint',
        stage: 'test',
        status: 'CREATED',
        allowFailure: true,
        ref: 'main',
        user: { username: developer.user.username },
      },
    ]);
    const second = await createPipeline(developer.token, projectId, [{ name: 'build', stage: 'build' }]);
    expect(second.iid).toBe('2');
    expect(await server.db.commit.count({ where: { projectId: Number(projectId.split('/').pop()) } })).toBe(1);
  });

  it('gives concurrent pipelines of one project distinct iids', async () => {
    const { projectId, developer } = await setUp();
    const created = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        createPipeline(developer.token, projectId, [{ name: 'test', stage: 'test' }], String(i).repeat(40)),
      ),
    );
    expect(created.map((pipeline) => pipeline.iid).sort()).toEqual(['1', '2', '3', '4']);
  });

  it('needs Developer of the project: a Reporter is FORBIDDEN, a stranger gets NOT_FOUND, read_api is not enough', async () => {
    const { project, projectId } = await setUp();
    const reporter = await createUser(server.db);
    await addProjectMember(server.db, project.id, reporter.user.id, AccessLevel.REPORTER);
    const stranger = await createUser(server.db);
    const readOnly = await createUser(server.db, { scopes: ['read_api'] });
    await addProjectMember(server.db, project.id, readOnly.user.id, AccessLevel.OWNER);
    const input = { projectId, ref: 'main', sha: SHA, commit, jobs: [{ name: 'a', stage: 'b' }] };

    expect((await server.graphql(PIPELINE_CREATE, { input }, reporter.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const hidden = await server.graphql(PIPELINE_CREATE, { input }, stranger.token);
    expect(hidden.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', resource: 'Project' });
    expect((await server.graphql(PIPELINE_CREATE, { input }, readOnly.token)).errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    expect(await server.db.pipeline.count({ where: { projectId: project.id } })).toBe(0);
  });

  it('reports a bad SHA, ref, commit or job list as data', async () => {
    const { projectId, developer } = await setUp();
    const attempt = async (input: Record<string, unknown>) =>
      (
        await server.graphql(
          PIPELINE_CREATE,
          { input: { projectId, ref: 'main', sha: SHA, commit, jobs: [{ name: 'a', stage: 'b' }], ...input } },
          developer.token,
        )
      ).data?.pipelineCreate;

    expect(await attempt({ sha: 'abc', ref: 'bad..ref', jobs: [] })).toMatchObject({
      pipeline: null,
      attributeErrors: [
        { attribute: 'ref', message: 'is invalid' },
        { attribute: 'sha', message: 'is not a 40-character commit SHA' },
        { attribute: 'base', message: 'No stages / jobs for this pipeline.' },
      ],
    });
    expect((await attempt({ commit: { ...commit, authorEmail: 'nobody', message: 'fine', parentIds: ['xyz'] } })).errors).toEqual([
      'Commit author email is invalid',
      'Commit parent ids must all be 40-character commit SHAs',
    ]);
    expect(
      (
        await attempt({
          jobs: [
            { name: 'a', stage: 'b' },
            { name: 'a', stage: 'c' },
            { name: '', stage: 'c' },
          ],
        })
      ).errors,
    ).toEqual(['Job name "a" is used by more than one job', "Job name can't be blank"]);
  });
});

describe('Mutation.jobTransition', () => {
  it('runs a job on a project runner to success; the runner then lists it, and the pipeline follows', async () => {
    const { project, projectId, maintainer } = await setUp();
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const pipeline = await createPipeline(maintainer.token, projectId, [{ name: 'test', stage: 'test' }]);
    const jobId = pipeline.jobs.nodes[0].id;

    const enqueued = await transition(maintainer.token, { id: jobId, event: 'ENQUEUE' });
    expect(enqueued.data?.jobTransition.job).toMatchObject({
      status: 'PENDING',
      queuedAt: expect.any(String),
      startedAt: null,
      pipeline: { status: 'PENDING' },
    });

    const running = await transition(maintainer.token, { id: jobId, event: 'RUN', runnerId: runnerGid(runner.id) });
    expect(running.data?.jobTransition.job).toMatchObject({
      status: 'RUNNING',
      startedAt: expect.any(String),
      finishedAt: null,
      runner: { id: runnerGid(runner.id) },
      pipeline: { status: 'RUNNING' },
    });
    const contacted = await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } });
    expect(contacted.contactedAt).not.toBeNull();
    expect(contacted.updatedAt).toEqual(runner.updatedAt);

    const done = await transition(maintainer.token, { id: jobId, event: 'SUCCEED', coverage: 87.5 });
    expect(done.data?.jobTransition).toEqual({
      job: {
        id: jobId,
        status: 'SUCCESS',
        queuedAt: expect.any(String),
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        failureReason: null,
        coverage: 87.5,
        runner: { id: runnerGid(runner.id) },
        pipeline: { status: 'SUCCESS' },
      },
      errors: [],
    });

    const jobs = await server.graphql(
      `query($id: CiRunnerID!) { runner(id: $id) { status jobs { count nodes { id status } } } }`,
      { id: runnerGid(runner.id) },
      maintainer.token,
    );
    expect(jobs.data?.runner).toEqual({ status: 'ONLINE', jobs: { count: 1, nodes: [{ id: jobId, status: 'SUCCESS' }] } });
  });

  it('refuses transitions the state machine does not allow, with CONFLICT', async () => {
    const { projectId, developer } = await setUp();
    const { runner } = await createRunner(server.db, { runnerType: 'instance_type' });
    const pipeline = await createPipeline(developer.token, projectId, [{ name: 'test', stage: 'test' }]);
    const id = pipeline.jobs.nodes[0].id;
    const refusal = async (input: Record<string, unknown>) => (await transition(developer.token, { id, ...input })).errors?.[0];

    expect(await refusal({ event: 'RUN', runnerId: runnerGid(runner.id) })).toMatchObject({
      message: 'Cannot run a job that is created',
      extensions: { code: 'CONFLICT' },
    });
    expect(await refusal({ event: 'SUCCEED' })).toMatchObject({ message: 'Cannot succeed a job that is created' });
    await transition(developer.token, { id, event: 'ENQUEUE' });
    await transition(developer.token, { id, event: 'RUN', runnerId: runnerGid(runner.id) });
    await transition(developer.token, { id, event: 'SUCCEED' });
    expect(await refusal({ event: 'RUN', runnerId: runnerGid(runner.id) })).toMatchObject({ message: 'Cannot run a job that is success' });
    expect(await refusal({ event: 'CANCEL' })).toMatchObject({
      message: 'Cannot cancel a job that is success',
      extensions: { code: 'CONFLICT' },
    });
    expect(await refusal({ event: 'SKIP' })).toMatchObject({ message: 'Cannot skip a job that is success' });
  });

  it('runs a job only on a runner the project may use and that is not paused', async () => {
    const { projectId, developer } = await setUp();
    const other = await createProject(server.db);
    const { runner: foreign } = await createRunner(server.db, { projectIds: [other.id] });
    const { runner: paused } = await createRunner(server.db, { runnerType: 'instance_type', paused: true });
    const { runner: tagged } = await createRunner(server.db, { runnerType: 'instance_type', tagList: ['gpu'] });
    await server.db.runner.update({ where: { id: tagged.id }, data: { runUntagged: false } });
    const { runner: shared } = await createRunner(server.db, { runnerType: 'instance_type' });
    const pipeline = await createPipeline(developer.token, projectId, [{ name: 'test', stage: 'test' }]);
    const id = pipeline.jobs.nodes[0].id;
    await transition(developer.token, { id, event: 'ENQUEUE' });
    const run = async (runnerId?: string) => (await transition(developer.token, { id, event: 'RUN', runnerId })).errors?.[0];

    expect(await run()).toMatchObject({ message: 'runnerId is required to run a job', extensions: { code: 'BAD_USER_INPUT' } });
    expect(await run(runnerGid(foreign.id))).toMatchObject({
      message: 'The runner does not exist or is not available to the project',
      extensions: { code: 'BAD_USER_INPUT', argument: 'runnerId' },
    });
    expect(await run(runnerGid(paused.id))).toMatchObject({
      message: 'Cannot run a job on a paused runner',
      extensions: { code: 'CONFLICT' },
    });
    expect(await run(runnerGid(tagged.id))).toMatchObject({ extensions: { code: 'CONFLICT' } });
    const ran = await transition(developer.token, { id, event: 'RUN', runnerId: runnerGid(shared.id) });
    expect(ran.data?.jobTransition.job.status).toBe('RUNNING');
  });

  it("runs a Developer's job only on a runner they may read, and leaves other runners untouched", async () => {
    const { group, project, projectId, developer, maintainer } = await setUp();
    const { runner: ofProject } = await createRunner(server.db, { projectIds: [project.id] });
    const { runner: ofGroup } = await createRunner(server.db, { groupId: group.id });
    const pipeline = await createPipeline(developer.token, projectId, [{ name: 'test', stage: 'test' }]);
    const id = pipeline.jobs.nodes[0].id;
    await transition(developer.token, { id, event: 'ENQUEUE' });

    for (const runner of [ofProject, ofGroup]) {
      // The runner(id) field hides both from a Developer; running a job on them is answered as for a missing runner.
      const hidden = await server.graphql(
        `query($id: CiRunnerID!) { runner(id: $id) { id } }`,
        { id: runnerGid(runner.id) },
        developer.token,
      );
      expect(hidden.data).toEqual({ runner: null });
      const refused = await transition(developer.token, { id, event: 'RUN', runnerId: runnerGid(runner.id) });
      expect(refused.errors?.[0]).toMatchObject({ message: 'The runner does not exist or is not available to the project' });
      const after = await server.db.runner.findUniqueOrThrow({ where: { id: runner.id } });
      expect(after.contactedAt).toBeNull();
    }
    expect(await server.db.job.findFirstOrThrow({ where: { pipelineId: Number(pipeline.id.split('/').pop()) } })).toMatchObject({
      runnerId: null,
      status: 'pending',
    });

    const ran = await transition(maintainer.token, { id, event: 'RUN', runnerId: runnerGid(ofProject.id) });
    expect(ran.data?.jobTransition.job.status).toBe('RUNNING');
  });

  it('fails a job (script_failure by default); a failure that is allowed leaves the pipeline green', async () => {
    const { projectId, developer } = await setUp();
    const { runner } = await createRunner(server.db, { runnerType: 'instance_type' });
    const pipeline = await createPipeline(developer.token, projectId, [
      { name: 'unit', stage: 'test' },
      { name: 'flaky', stage: 'test', allowFailure: true },
    ]);
    const [unit, flaky] = pipeline.jobs.nodes.map((job: { id: string }) => job.id);
    const runToEnd = async (id: string, end: Record<string, unknown>) => {
      await transition(developer.token, { id, event: 'ENQUEUE' });
      await transition(developer.token, { id, event: 'RUN', runnerId: runnerGid(runner.id) });
      return (await transition(developer.token, { id, ...end })).data?.jobTransition.job;
    };

    expect(await runToEnd(flaky, { event: 'FAIL' })).toMatchObject({
      status: 'FAILED',
      failureReason: 'script_failure',
      pipeline: { status: 'CREATED' },
    });
    expect(await runToEnd(unit, { event: 'SUCCEED' })).toMatchObject({ status: 'SUCCESS', pipeline: { status: 'SUCCESS' } });

    const second = await createPipeline(developer.token, projectId, [
      { name: 'unit', stage: 'test' },
      { name: 'e2e', stage: 'test' },
    ]);
    const [unit2, e2e] = second.jobs.nodes.map((job: { id: string }) => job.id);
    expect(await runToEnd(unit2, { event: 'FAIL', failureReason: 'runner_system_failure' })).toMatchObject({
      failureReason: 'runner_system_failure',
      pipeline: { status: 'FAILED' },
    });
    expect((await transition(developer.token, { id: e2e, event: 'CANCEL' })).data?.jobTransition.job).toMatchObject({
      status: 'CANCELED',
      finishedAt: expect.any(String),
      pipeline: { status: 'FAILED' },
    });
  });

  it('cancels and skips; a pipeline of canceled and skipped jobs is canceled', async () => {
    const { projectId, developer } = await setUp();
    const pipeline = await createPipeline(developer.token, projectId, [
      { name: 'a', stage: 'test' },
      { name: 'b', stage: 'deploy' },
    ]);
    const [a, b] = pipeline.jobs.nodes.map((job: { id: string }) => job.id);

    const skipped = await transition(developer.token, { id: b, event: 'SKIP' });
    expect(skipped.data?.jobTransition.job).toMatchObject({
      status: 'SKIPPED',
      finishedAt: expect.any(String),
      pipeline: { status: 'CREATED' },
    });
    await transition(developer.token, { id: a, event: 'ENQUEUE' });
    const canceled = await transition(developer.token, { id: a, event: 'CANCEL' });
    expect(canceled.data?.jobTransition.job).toMatchObject({ status: 'CANCELED', pipeline: { status: 'CANCELED' } });
  });

  it('refuses arguments that do not belong to the event, and values out of range', async () => {
    const { project, projectId, developer } = await setUp();
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const pipeline = await createPipeline(developer.token, projectId, [{ name: 'a', stage: 'test' }]);
    const id = pipeline.jobs.nodes[0].id;
    const error = async (input: Record<string, unknown>) => (await transition(developer.token, { id, ...input })).errors?.[0];

    expect(await error({ event: 'ENQUEUE', runnerId: runnerGid(runner.id) })).toMatchObject({
      message: 'runnerId is only for the RUN event',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await error({ event: 'CANCEL', failureReason: 'script_failure' })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'failureReason' },
    });
    expect(await error({ event: 'FAIL', failureReason: 'gremlins' })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'failureReason' },
    });
    expect(await error({ event: 'SUCCEED', coverage: 101 })).toMatchObject({ message: 'coverage must be between 0 and 100' });
    expect(await error({ event: 'SKIP', coverage: 50 })).toMatchObject({ message: 'coverage is only for the SUCCEED and FAIL events' });
    expect((await transition(developer.token, { id: 'gid://gitlab/Ci::Runner/1', event: 'SKIP' })).errors?.[0]?.message).toContain(
      'does not represent an instance of Ci::Build',
    );
  });

  it('hides jobs from those who may not see them (NOT_FOUND) and refuses Reporters (FORBIDDEN)', async () => {
    const { project, projectId, developer } = await setUp();
    const pipeline = await createPipeline(developer.token, projectId, [{ name: 'a', stage: 'test' }]);
    const id = pipeline.jobs.nodes[0].id;
    const guest = await createUser(server.db);
    await addProjectMember(server.db, project.id, guest.user.id, AccessLevel.GUEST);
    const reporter = await createUser(server.db);
    await addProjectMember(server.db, project.id, reporter.user.id, AccessLevel.REPORTER);
    const stranger = await createUser(server.db);
    const admin = await createUser(server.db, { admin: true });

    for (const user of [stranger, guest]) {
      expect((await transition(user.token, { id, event: 'SKIP' })).errors?.[0]?.extensions).toMatchObject({
        code: 'NOT_FOUND',
        resource: 'Job',
      });
    }
    expect((await transition(reporter.token, { id, event: 'SKIP' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const missing = await transition(admin.token, { id: gid('Ci::Build', 999999), event: 'SKIP' });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', resource: 'Job' });
    expect((await transition(admin.token, { id, event: 'SKIP' })).data?.jobTransition.job.status).toBe('SKIPPED');
  });
});

describe('Project.pipelines', () => {
  it('lists the pipelines newest first, with a count, to Reporters and up', async () => {
    const { project, developer } = await setUp();
    const projectId = gid('Project', project.id);
    for (const ref of ['first', 'second', 'third']) {
      const res = await server.graphql(
        PIPELINE_CREATE,
        { input: { projectId, ref, sha: SHA, commit, jobs: [{ name: 'a', stage: 'b' }] } },
        developer.token,
      );
      expect(res.data?.pipelineCreate.errors).toEqual([]);
    }
    const guest = await createUser(server.db);
    await addProjectMember(server.db, project.id, guest.user.id, AccessLevel.GUEST);
    const query = `query($p: ID!) { project(fullPath: $p) { pipelines(first: 2) { count nodes { iid ref status } } } }`;

    const res = await server.graphql(query, { p: project.pathWithNamespace }, developer.token);
    expect(res.data?.project.pipelines).toEqual({
      count: 3,
      nodes: [
        { iid: '3', ref: 'third', status: 'CREATED' },
        { iid: '2', ref: 'second', status: 'CREATED' },
      ],
    });
    const refused = await server.graphql(query, { p: project.pathWithNamespace }, guest.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
