import { beforeAll, describe, expect, it } from 'vitest';
import { createGroup, createJob, createProject, createRunner, createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// Offset pages load their ids first and their rows after (see findRunners and offsetJobs): the pages must be
// exactly the slices of the whole list they always were, with every relation, and limited counts count to limit + 1.

const server = useTestServer();
let admin = '';
let busyRunner = 0;
const JOBS = 30;
const RUNNERS = 12;

beforeAll(async () => {
  const db = server.db;
  ({ token: admin } = await createUser(db, { admin: true }));
  const { user } = await createUser(db);
  const group = await createGroup(db);
  const project = await createProject(db, { group });
  for (let i = 0; i < RUNNERS; i++) {
    await createRunner(db, i % 3 === 0 ? { groupId: group.id } : i % 3 === 1 ? { projectIds: [project.id] } : {});
  }
  busyRunner = (await createRunner(db, { projectIds: [project.id] })).runner.id;
  const statuses = ['success', 'failed', 'running'] as const;
  for (let i = 0; i < JOBS; i++) {
    await createJob(db, { projectId: project.id, runnerId: busyRunner, status: statuses[i % 3], userId: user.id });
  }
}, 120_000);

const ids = (rows: { id: number }[]) => rows.map((row) => row.id);

describe('offset pages are slices of the whole list', () => {
  it("REST GET /runners/:id/jobs?page=N, in both orders, with each job's relations", async () => {
    for (const order of ['', '&order_by=id&sort=desc']) {
      const all = await server.rest('GET', `/runners/${busyRunner}/jobs?per_page=100${order}`, { token: admin });
      expect(all.body).toHaveLength(JOBS);
      const page = await server.rest('GET', `/runners/${busyRunner}/jobs?page=3&per_page=7${order}`, { token: admin });
      expect(page.status).toBe(200);
      expect(page.body).toEqual(all.body.slice(14, 21));
      expect(page.headers.get('x-total')).toBe(String(JOBS));
      expect(page.headers.get('x-next-page')).toBe('4');
    }
  });

  it('GraphQL runner.jobs(offset:), through nodes and edges, with a status filter', async () => {
    const query = `query($id: CiRunnerID!, $offset: Int) { runner(id: $id) { jobs(first: 4, offset: $offset, statuses: [SUCCESS]) {
      count pageInfo { hasNextPage } nodes { id status project { id } } edges { node { id pipeline { id } } } } } }`;
    const all = await server.graphql(query.replace('first: 4', 'first: 100'), { id: runnerGid(busyRunner) }, admin);
    const page = await server.graphql(query, { id: runnerGid(busyRunner), offset: 5 }, admin);
    expect(page.errors).toBeUndefined();
    const jobs = page.data?.runner.jobs;
    expect(jobs.nodes).toEqual(all.data?.runner.jobs.nodes.slice(5, 9));
    expect(jobs.edges).toEqual(all.data?.runner.jobs.edges.slice(5, 9));
    expect(jobs.count).toBe(JOBS / 3);
    expect(jobs.pageInfo.hasNextPage).toBe(true);
    expect(jobs.nodes[0].project.id).toMatch(/^gid:\/\/gitlab\/Project\//);
  });

  it('REST GET /runners/all?page=N and GraphQL runners(offset:)', async () => {
    const all = await server.rest('GET', '/runners/all?per_page=100', { token: admin });
    const page = await server.rest('GET', '/runners/all?page=2&per_page=5', { token: admin });
    expect(ids(page.body)).toEqual(ids(all.body).slice(5, 10));
    expect(page.body).toEqual(all.body.slice(5, 10));
    const query = `query($offset: Int, $first: Int) { runners(first: $first, offset: $offset, sort: CONTACTED_DESC) {
      nodes { id description groups { nodes { id } } ownerProject { id } } } }`;
    const whole = await server.graphql(query, { first: 100 }, admin);
    const part = await server.graphql(query, { first: 3, offset: 4 }, admin);
    expect(part.data?.runners.nodes).toEqual(whole.data?.runners.nodes.slice(4, 7));
  });

  it('an offset page costs the same statements for 1 row as for 20', async () => {
    const at = (size: number) => () => server.rest('GET', `/runners/${busyRunner}/jobs?page=2&per_page=${size}`, { token: admin });
    await at(1)();
    const one = await server.countQueries(at(1));
    const twenty = await server.countQueries(at(10));
    expect(twenty).toBe(one);
  });
});

describe('limited counts', () => {
  it('count(limit: n) counts to n + 1, as GitLab answers "more than n"; without it runners are counted exactly', async () => {
    const res = await server.graphql(
      `query($id: CiRunnerID!) { runners { exact: count limited: count(limit: 5) }
        runner(id: $id) { jobs { count limited: count(limit: 3) } } }`,
      { id: runnerGid(busyRunner) },
      admin,
    );
    expect(res.data).toEqual({ runners: { exact: RUNNERS + 1, limited: 6 }, runner: { jobs: { count: JOBS, limited: 4 } } });
  });

  it('refuses a limit outside 1 to 10,000', async () => {
    for (const limit of [0, 10_001]) {
      const res = await server.graphql(`{ runners { count(limit: ${limit}) } }`, {}, admin);
      expect(res.errors?.[0]?.message).toBe('limit must be between 1 and 10000');
    }
  });
});
