import { beforeAll, describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import {
  addGroupMember,
  addProjectMember,
  createGroup,
  createJob,
  createProject,
  createRunner,
  createUser,
  runnerGid,
} from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';
import type { Json } from '../support/json.ts';

// Not timed: the number of SQL statements a list costs must not depend on how many rows the page holds
// (no N+1), over both transports, for an admin and for a member whose access is checked row by row.

const server = useTestServer();

let admin = '';
let member = '';
/** Maintainer of one project only: group runners are theirs to read through the project, as in GitLab's policy. */
let projectMaintainer = '';
let maintainedProject = '';
let busyRunner = 0;
/** A job id 110 deep in the busy runner's jobs (oldest first): pages after it hold 100 rows too. */
let cursorAfter = '';

const RUNNER_FIELDS = `id description paused runnerType name online legacyStatus createdAt jobExecutionStatus
  createdBy { id username webUrl } tagList ownerProject { id } groups { nodes { id webUrl } }`;
const JOB_FIELDS = `id status stage name duration queuedDuration failureReason webUrl
  user { id username webUrl } commit { sha shortId webUrl } project { id fullPath }
  pipeline { id iid sha status webUrl project { id } }`;

beforeAll(async () => {
  const db = server.db;
  ({ token: admin } = await createUser(db, { admin: true }));
  const { user, token } = await createUser(db);
  member = token;
  const group = await createGroup(db);
  const subgroup = await createGroup(db, { parent: group });
  const projects = [
    await createProject(db, { group }),
    await createProject(db, { group: subgroup }),
    await createProject(db, { group: subgroup }),
  ];
  await addGroupMember(db, group.id, user.id, AccessLevel.MAINTAINER);
  await addProjectMember(db, projects[2]!.id, user.id, AccessLevel.REPORTER);
  const maintainer = await createUser(db);
  projectMaintainer = maintainer.token;
  maintainedProject = projects[1]!.pathWithNamespace;
  await addProjectMember(db, projects[1]!.id, maintainer.user.id, AccessLevel.MAINTAINER);
  // 120 runners of every type, some with creators' tokens and several projects.
  for (let i = 0; i < 120; i++) {
    const project = projects[i % projects.length]!;
    const other = projects[(i + 1) % projects.length]!;
    const kind = i % 3;
    await createRunner(db, {
      ...(kind === 0
        ? {}
        : kind === 1
          ? { groupId: i % 2 ? group.id : subgroup.id }
          : { projectIds: i % 2 ? [project.id, other.id] : [project.id] }),
      tagList: ['linux', `tag-${i % 5}`],
      contactedAt: i % 4 ? new Date(Date.now() - i * 60_000) : null,
    });
  }
  const { runner } = await createRunner(db, { projectIds: [projects[1]!.id], description: 'busy' });
  busyRunner = runner.id;
  const statuses = ['success', 'failed', 'running', 'pending', 'canceled'] as const;
  for (let i = 0; i < 220; i++) {
    await createJob(db, {
      projectId: projects[i % projects.length]!.id,
      runnerId: busyRunner,
      status: statuses[i % statuses.length],
      userId: user.id,
    });
  }
  const res = await server.graphql<{ runner: { jobs: { pageInfo: { endCursor: string } } } }>(
    `query($id: CiRunnerID!) { runner(id: $id) { jobs(first: 1, offset: 109, sort: ID_ASC) { pageInfo { endCursor } } } }`,
    { id: runnerGid(busyRunner) },
    admin,
  );
  cursorAfter = res.data?.runner.jobs.pageInfo.endCursor ?? '';
  expect(cursorAfter).not.toBe('');
}, 120_000);

/** Statements one call sends, after one call to warm up (a token's first use records last_used_at once). */
async function statements(call: () => Promise<number>): Promise<{ count: number; rows: number }> {
  await call();
  let rows = 0;
  const count = await server.countQueries(async () => {
    rows = await call();
  });
  return { count, rows };
}

function rest(path: string, token: string) {
  return async () => {
    const res = await server.rest('GET', path, { token });
    expect(res.status, res.text).toBe(200);
    return (res.body as unknown[]).length;
  };
}

// `any`: answers are read by shape here, as the other tests read them (test/support/server.ts types them so too).
type Answer = Json;

function graphql(query: string, pick: (data: Answer) => unknown[] | undefined, token: string, variables: Record<string, unknown> = {}) {
  return async () => {
    const res = await server.graphql(query, variables, token);
    expect(res.errors).toBeUndefined();
    return pick(res.data)?.length ?? -1;
  };
}

/** `fullPage`: the list holds more than 100 rows, so the large page is full; otherwise it holds all of them. */
async function expectConstant(atSize: (size: number) => () => Promise<number>, fullPage = true) {
  const one = await statements(atSize(1));
  const hundred = await statements(atSize(100));
  expect(one.rows).toBe(1);
  if (fullPage) expect(hundred.rows).toBe(100);
  else expect(hundred.rows).toBeGreaterThan(20);
  expect(hundred.count).toBe(one.count);
}

describe('SQL statements per request stay constant as the page grows from 1 to 100', () => {
  it('REST GET /runners/all', async () => {
    await expectConstant((size) => rest(`/runners/all?per_page=${size}`, admin));
  });

  it('REST GET /runners (a member: runners of the groups and projects they administer)', async () => {
    await expectConstant((size) => rest(`/runners?per_page=${size}`, member), false);
  });

  it('REST GET /runners/:id/jobs: offset pages, the first keyset page and one after a cursor', async () => {
    await expectConstant((size) => rest(`/runners/${busyRunner}/jobs?per_page=${size}`, admin));
    await expectConstant((size) => rest(`/runners/${busyRunner}/jobs?pagination=keyset&per_page=${size}`, admin));
    await expectConstant((size) =>
      rest(`/runners/${busyRunner}/jobs?pagination=keyset&per_page=${size}&cursor=${encodeURIComponent(cursorAfter)}`, admin),
    );
  });

  it('REST GET /runners/:id/jobs for a member who sees only some of the jobs', async () => {
    await expectConstant((size) => rest(`/runners/${busyRunner}/jobs?per_page=${size}`, member));
  });

  it('GraphQL runners', async () => {
    await expectConstant((size) =>
      graphql(`query($n: Int!) { runners(first: $n) { count nodes { ${RUNNER_FIELDS} } } }`, (data) => data?.runners.nodes, admin, {
        n: size,
      }),
    );
  });

  it('GraphQL currentUser.runners (a member)', async () => {
    await expectConstant(
      (size) =>
        graphql(
          `query($n: Int!) { currentUser { runners(first: $n) { count nodes { ${RUNNER_FIELDS} } } } }`,
          (data) => data?.currentUser.runners.nodes,
          member,
          { n: size },
        ),
      false,
    );
  });

  it('GraphQL project.runners with userPermissions, for a project Maintainer (policy checks do not query per row)', async () => {
    await expectConstant(
      (size) =>
        graphql(
          `query($path: ID!, $n: Int!) { project(fullPath: $path) { runners(first: $n) { count nodes {
          ${RUNNER_FIELDS} userPermissions { readRunner updateRunner deleteRunner assignRunner } } } } }`,
          (data) => data?.project.runners.nodes,
          projectMaintainer,
          { path: maintainedProject, n: size },
        ),
      false,
    );
  });

  it("GraphQL runner.jobs with each job's runner and its userPermissions, for a project Maintainer", async () => {
    await expectConstant(
      (size) =>
        graphql(
          `query($id: CiRunnerID!, $n: Int!) { runner(id: $id) { jobs(first: $n) { nodes {
          id runner { id description userPermissions { readRunner updateRunner deleteRunner assignRunner } } } } } }`,
          (data) => data?.runner.jobs.nodes,
          projectMaintainer,
          { id: runnerGid(busyRunner), n: size },
        ),
      false,
    );
  });

  it('GraphQL runner.jobs: the first page and a page after a cursor', async () => {
    const jobs = (after: string | null) => (size: number) =>
      graphql(
        `query($id: CiRunnerID!, $n: Int!, $after: String) { runner(id: $id) {
          jobs(first: $n, after: $after, sort: ID_ASC) { pageInfo { hasNextPage endCursor } edges { node { ${JOB_FIELDS} } } } } }`,
        (data) => data?.runner.jobs.edges,
        admin,
        { id: runnerGid(busyRunner), n: size, after },
      );
    await expectConstant(jobs(null));
    await expectConstant(jobs(cursorAfter));
  });
});
