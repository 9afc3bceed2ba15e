import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createGroup, createJob, createProject, createRunner, createUser, gid, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';
import type { Json } from '../support/json.ts';

const server = useTestServer();

// A runner's job list as GitLab's runner page shows it: the status badge, the commit and the tags of each job.

const PIPELINE_CREATE = `mutation($input: PipelineCreateInput!) {
  pipelineCreate(input: $input) { pipeline { jobs { nodes { id name } } } errors }
}`;
const TRANSITION = `mutation($input: JobTransitionInput!) { jobTransition(input: $input) { job { status } errors } }`;
const RUNNER_JOBS = `query($id: CiRunnerID!) {
  runner(id: $id) {
    jobs(sort: ID_ASC) {
      nodes {
        name status shortSha commitPath tags
        detailedStatus {
          id name group icon text label tooltip favicon hasDetails detailsPath
          action { id icon title buttonTitle method path }
        }
      }
    }
  }
}`;

const SHA = 'c0ffee'.padEnd(40, '0');

/** A project with a tagged runner, a Maintainer and a Reporter, and a pipeline whose jobs end in every state. */
async function setUp() {
  const group = await createGroup(server.db);
  const project = await createProject(server.db, { group });
  const maintainer = await createUser(server.db);
  const reporter = await createUser(server.db);
  await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
  await addProjectMember(server.db, project.id, reporter.user.id, AccessLevel.REPORTER);
  const { runner } = await createRunner(server.db, { projectIds: [project.id], tagList: ['docker', 'linux'] });
  const jobs = ['passes', 'fails', 'may-fail', 'is-canceled', 'runs', 'waits'].map((name) => ({
    name,
    stage: 'test',
    allowFailure: name === 'may-fail',
    tags: name === 'passes' ? ['docker', 'linux'] : [],
  }));
  const created = await server.graphql(
    PIPELINE_CREATE,
    {
      input: {
        projectId: gid('Project', project.id),
        ref: 'main',
        sha: SHA,
        commit: { title: 'CI', authorName: 'Ada', authorEmail: 'ada@example.com' },
        jobs,
      },
    },
    maintainer.token,
  );
  expect(created.data?.pipelineCreate.errors).toEqual([]);
  const ids = Object.fromEntries(
    created.data?.pipelineCreate.pipeline.jobs.nodes.map((job: { id: string; name: string }) => [job.name, job.id]),
  );
  const move = async (name: string, ...events: [string, Record<string, unknown>?][]) => {
    for (const [event, extra] of events) {
      const res = await server.graphql(TRANSITION, { input: { id: ids[name], event, ...extra } }, maintainer.token);
      expect(res.errors, `${name} ${event}`).toBeUndefined();
      expect(res.data?.jobTransition.errors).toEqual([]);
    }
  };
  const run: [string, Record<string, unknown>] = ['RUN', { runnerId: runnerGid(runner.id) }];
  await move('passes', ['ENQUEUE'], run, ['SUCCEED']);
  await move('fails', ['ENQUEUE'], run, ['FAIL', { failureReason: 'runner_system_failure' }]);
  await move('may-fail', ['ENQUEUE'], run, ['FAIL']);
  await move('is-canceled', ['ENQUEUE'], run, ['CANCEL']);
  await move('runs', ['ENQUEUE'], run);
  await move('waits', ['ENQUEUE']);
  return { project, runner, maintainer, reporter, ids };
}

type JobNode = { name: string; detailedStatus: Record<string, Json> } & Record<string, Json>;

async function runnerJobs(runnerId: number, token: string): Promise<Record<string, JobNode>> {
  const res = await server.graphql(RUNNER_JOBS, { id: runnerGid(runnerId) }, token);
  expect(res.errors).toBeUndefined();
  return Object.fromEntries(res.data?.runner.jobs.nodes.map((job: JobNode) => [job.name, job]));
}

describe('CiJob on a runner page', () => {
  it("shows each job's badge as GitLab's detailed status, with the action a Maintainer may take", async () => {
    const { project, runner, maintainer, ids } = await setUp();
    const jobs = await runnerJobs(runner.id, maintainer.token);
    const path = `/${project.pathWithNamespace}`;
    const jobId = (name: string) => Number(String(ids[name]).split('/').pop());

    expect(jobs.passes?.detailedStatus).toEqual({
      id: `success-${jobId('passes')}-${jobId('passes')}`,
      name: 'SUCCESS',
      group: 'success',
      icon: 'status_success',
      text: 'Passed',
      label: 'passed',
      tooltip: 'passed',
      favicon: '/assets/ci_favicons/favicon_status_success.png',
      hasDetails: true,
      detailsPath: `${path}/-/jobs/${jobId('passes')}`,
      action: {
        id: `Ci::Build-success-${jobId('passes')}`,
        icon: 'retry',
        title: 'Run again',
        buttonTitle: 'Run this job again',
        method: 'post',
        path: `${path}/-/jobs/${jobId('passes')}/retry`,
      },
    });
    expect(jobs.fails?.detailedStatus).toMatchObject({
      group: 'failed',
      icon: 'status_failed',
      label: 'failed',
      tooltip: 'failed - (runner system failure)',
      action: { icon: 'retry' },
    });
    expect(jobs['may-fail']?.detailedStatus).toMatchObject({
      group: 'failed-with-warnings',
      icon: 'status_warning',
      text: 'Failed',
      label: 'failed (allowed to fail)',
      tooltip: 'failed - (script failure) (allowed to fail)',
      favicon: '/assets/ci_favicons/favicon_status_failed.png',
    });
    expect(jobs['is-canceled']?.detailedStatus).toMatchObject({ group: 'canceled', text: 'Canceled', action: { icon: 'retry' } });
    expect(jobs.runs?.detailedStatus).toMatchObject({
      group: 'running',
      icon: 'status_running',
      action: { icon: 'cancel', title: 'Cancel', path: `${path}/-/jobs/${jobId('runs')}/cancel` },
    });
  });

  it('gives a Reporter, who may see the jobs but not run them, the same badges without actions', async () => {
    const { runner, maintainer, reporter, project } = await setUp();
    // A Reporter may not list a project runner's jobs, but sees them in the project's pipelines.
    const asMaintainer = await runnerJobs(runner.id, maintainer.token);
    const job = await server.graphql(
      `query($path: ID!) { project(fullPath: $path) { pipelines(first: 5) { nodes { jobs(first: 20) { nodes { name detailedStatus { hasDetails action { id } label } } } } } } }`,
      { path: project.pathWithNamespace },
      reporter.token,
    );
    expect(job.errors).toBeUndefined();
    const nodes = job.data?.project.pipelines.nodes[0].jobs.nodes as { name: string; detailedStatus: Record<string, unknown> }[];
    expect(nodes).toHaveLength(6);
    for (const node of nodes) {
      expect(node.detailedStatus).toMatchObject({ hasDetails: true, action: null });
      // The job still waiting for a runner is in no runner's list.
      expect(node.detailedStatus.label).toBe(asMaintainer[node.name]?.detailedStatus.label ?? 'pending');
    }
  });

  it('offers a manual job to be run by those who may, and says it is not allowed to the others', async () => {
    const { project, maintainer, reporter } = await setUp();
    const manual = await createJob(server.db, { projectId: project.id, status: 'manual', name: 'deploy' });
    const query = `query($path: ID!) { project(fullPath: $path) { pipelines(first: 5) { nodes { jobs(first: 20) { nodes { name detailedStatus {
      group label tooltip action { title buttonTitle path } } } } } } } }`;
    const deploy = async (token: string) => {
      const res = await server.graphql(query, { path: project.pathWithNamespace }, token);
      const jobs = res.data?.project.pipelines.nodes.flatMap((pipeline: Json) => pipeline.jobs.nodes);
      return jobs.find((job: { name: string }) => job.name === 'deploy').detailedStatus;
    };
    expect(await deploy(maintainer.token)).toEqual({
      group: 'manual',
      label: 'manual play action',
      tooltip: 'manual action',
      action: { title: 'Run', buttonTitle: 'Run job', path: `/${project.pathWithNamespace}/-/jobs/${manual.id}/play` },
    });
    expect(await deploy(reporter.token)).toEqual({
      group: 'manual',
      label: 'manual play action (not allowed)',
      tooltip: 'manual action',
      action: null,
    });
  });

  it('shows the short SHA, the commit path and the tags of each job', async () => {
    const { project, runner, maintainer } = await setUp();
    const jobs = await runnerJobs(runner.id, maintainer.token);
    expect(jobs.passes).toMatchObject({
      shortSha: SHA.slice(0, 8),
      commitPath: `/${project.pathWithNamespace}/-/commit/${SHA}`,
      tags: ['docker', 'linux'],
    });
    expect(jobs.fails?.tags).toEqual([]);
  });

  it('runs a tagged job only on a runner that carries all its tags', async () => {
    const group = await createGroup(server.db);
    const project = await createProject(server.db, { group });
    const maintainer = await createUser(server.db);
    await addProjectMember(server.db, project.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const { runner } = await createRunner(server.db, { projectIds: [project.id], tagList: ['docker'] });
    const created = await server.graphql(
      PIPELINE_CREATE,
      {
        input: {
          projectId: gid('Project', project.id),
          ref: 'main',
          sha: SHA,
          commit: { title: 'CI', authorName: 'Ada', authorEmail: 'ada@example.com' },
          jobs: [{ name: 'gpu', stage: 'test', tags: ['docker', 'gpu'] }],
        },
      },
      maintainer.token,
    );
    const jobId = created.data?.pipelineCreate.pipeline.jobs.nodes[0].id;
    await server.graphql(TRANSITION, { input: { id: jobId, event: 'ENQUEUE' } }, maintainer.token);
    const res = await server.graphql(TRANSITION, { input: { id: jobId, event: 'RUN', runnerId: runnerGid(runner.id) } }, maintainer.token);
    expect(res.errors?.[0]).toMatchObject({
      message: 'Cannot run the job on a runner without its tags: gpu',
      extensions: { code: 'CONFLICT' },
    });
  });
});
