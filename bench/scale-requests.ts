// The requests of the scale benchmark (bench/scale.ts): every list, filter, sort, search and deep page of both
// APIs, each sent as one client would send it, alone. The rows they name are found in the loaded data (never
// hard-coded ids), so the same list is asked of both sizes.
import { print } from 'graphql';
import { JobFragment } from '../src/rest/entities.ts';
import { RunnerFragment } from '../src/rest/runner-entities.ts';

const RUNNER_FRAGMENT = print(RunnerFragment);
const JOB_FRAGMENT = print(JobFragment);
import type { SqlSession } from '../src/db/migrate.ts';

export interface ScaleRequest {
  readonly id: string;
  readonly transport: 'REST' | 'GraphQL';
  readonly label: string;
  /** Which token sends it: the admin, or the Owner of a top-level group (whose runners are "owned"). */
  readonly as: 'admin' | 'owner';
  readonly path: string;
  readonly body?: string;
}

/** The rows the requests name, found in the loaded data set. */
export interface ScaleSubjects {
  /** A top-level group; its Owner is the `owner` viewer. */
  readonly groupId: number;
  readonly groupPath: string;
  readonly ownerId: number;
  /** A project in that group's tree with its own runners, group runners and instance runners enabled. */
  readonly projectId: number;
  readonly projectPath: string;
  /** The busiest runner (tens of thousands of jobs). */
  readonly busyRunnerId: number;
}

export async function findSubjects(sql: SqlSession): Promise<ScaleSubjects> {
  const { rows } = await sql.query<Record<string, string | number>>(`
    SELECT g.id AS "groupId", g."fullPath" AS "groupPath", m."userId" AS "ownerId", p.id AS "projectId",
      p."pathWithNamespace" AS "projectPath",
      (SELECT "runnerId" FROM "Job" WHERE "runnerId" IS NOT NULL GROUP BY "runnerId" ORDER BY count(*) DESC LIMIT 1) AS "busyRunnerId"
    FROM "Group" g
    JOIN "GroupMember" m ON m."groupId" = g.id AND m."accessLevel" = 50
    JOIN LATERAL (SELECT p.* FROM "Project" p JOIN "RunnerProject" rp ON rp."projectId" = p.id
      WHERE p."traversalIds" @> ARRAY[g.id] AND p."sharedRunnersEnabled" AND p."groupRunnersEnabled" ORDER BY p.id LIMIT 1) p ON true
    WHERE g."parentId" IS NULL ORDER BY g.id, m."userId" LIMIT 1`);
  const row = rows[0];
  if (!row) throw new Error('no group with an Owner and a project with runners in the data set');
  return {
    groupId: Number(row.groupId),
    groupPath: String(row.groupPath),
    ownerId: Number(row.ownerId),
    projectId: Number(row.projectId),
    projectPath: String(row.projectPath),
    busyRunnerId: Number(row.busyRunnerId),
  };
}

const gql = (
  id: string,
  label: string,
  query: string,
  variables: Record<string, unknown> = {},
  as: 'admin' | 'owner' = 'admin',
): ScaleRequest => ({
  id,
  transport: 'GraphQL',
  label,
  as,
  path: '/graphql',
  body: JSON.stringify({ query, variables }),
});

const rest = (id: string, path: string, as: 'admin' | 'owner' = 'admin', label = `GET ${path}`): ScaleRequest => ({
  id,
  transport: 'REST',
  label,
  as,
  path: `/api/v4${path}`,
});

/** A page of 20 runners of the admin's `runners` field with `args`, with its count, as GitLab's admin page asks. */
const runnersPage = (args: string) =>
  /* GraphQL */ `query { runners(first: 20${args ? `, ${args}` : ''}) { count nodes { ...RestRunner } } } ${RUNNER_FRAGMENT}`;

export function scaleRequests(s: ScaleSubjects): ScaleRequest[] {
  const runner = `gid://gitlab/Ci::Runner/${s.busyRunnerId}`;
  const jobsPage = (args: string, withCount: boolean) => /* GraphQL */ `query($id: CiRunnerID!) { runner(id: $id) {
    jobs(first: 20${args}) { ${withCount ? 'count ' : ''}pageInfo { hasNextPage endCursor } edges { node { ...RestJob } } } } } ${JOB_FRAGMENT}`;
  return [
    rest('rest-owned', '/runners', 'owner', '`GET /runners` as a group owner (owned runners)'),
    rest(
      'rest-owned-paused',
      '/runners?paused=false&type=group_type',
      'owner',
      '`GET /runners?paused=false&type=group_type` as a group owner',
    ),
    rest('rest-all', '/runners/all'),
    rest('rest-all-deep', '/runners/all?page=1000&per_page=20'),
    // The deepest page that holds 20 runners at both sizes: page 1000 is past the end at 1,200 runners, where it
    // loads and renders none, so its ratio compares a walk and 20 runners with an empty answer.
    rest('rest-all-deep-both', '/runners/all?page=55&per_page=20'),
    rest('rest-all-tag', '/runners/all?tag_list=linux', 'admin', '`GET /runners/all?tag_list=linux` (60% of runners)'),
    rest('rest-all-type', '/runners/all?type=project_type'),
    rest('rest-all-status', '/runners/all?status=online'),
    rest('rest-all-paused', '/runners/all?paused=true'),
    rest('rest-all-version', '/runners/all?version_prefix=16'),
    rest('rest-project', `/projects/${s.projectId}/runners`, 'admin', '`GET /projects/:id/runners`'),
    rest('rest-group', `/groups/${s.groupId}/runners`, 'admin', '`GET /groups/:id/runners` (a top-level group)'),
    rest('rest-runner', `/runners/${s.busyRunnerId}`, 'admin', '`GET /runners/:id`'),
    rest('rest-jobs', `/runners/${s.busyRunnerId}/jobs?per_page=20`, 'admin', '`GET /runners/:id/jobs` (busiest runner, offset page 1)'),
    rest('rest-jobs-deep', `/runners/${s.busyRunnerId}/jobs?page=500&per_page=20`, 'admin', '`GET /runners/:id/jobs?page=500&per_page=20`'),
    rest('rest-jobs-status', `/runners/${s.busyRunnerId}/jobs?status=failed`, 'admin', '`GET /runners/:id/jobs?status=failed`'),
    rest(
      'rest-jobs-keyset',
      `/runners/${s.busyRunnerId}/jobs?pagination=keyset&per_page=20`,
      'admin',
      '`GET /runners/:id/jobs?pagination=keyset`',
    ),
    gql('gql-all', 'GraphQL `runners(first: 20) { count }`', runnersPage('')),
    gql('gql-search', 'GraphQL `runners(search: "runner 123")`', runnersPage('search: "runner 123"')),
    gql('gql-contacted-desc', 'GraphQL `runners(sort: CONTACTED_DESC)`', runnersPage('sort: CONTACTED_DESC')),
    gql('gql-contacted-asc', 'GraphQL `runners(sort: CONTACTED_ASC)`', runnersPage('sort: CONTACTED_ASC')),
    gql('gql-expires', 'GraphQL `runners(sort: TOKEN_EXPIRES_AT_ASC)`', runnersPage('sort: TOKEN_EXPIRES_AT_ASC')),
    gql('gql-status', 'GraphQL `runners(status: STALE)`', runnersPage('status: STALE')),
    gql('gql-tag', 'GraphQL `runners(tagList: ["gpu"])`', runnersPage('tagList: ["gpu"]')),
    gql('gql-type', 'GraphQL `runners(type: GROUP_TYPE, paused: false)`', runnersPage('type: GROUP_TYPE, paused: false')),
    gql('gql-creator', 'GraphQL `runners(creatorUsername: "user10")`', runnersPage('creatorUsername: "user10"')),
    gql('gql-offset', 'GraphQL `runners(offset: 20000)`', runnersPage('offset: 20000')),
    gql('gql-offset-both', 'GraphQL `runners(offset: 1100)`', runnersPage('offset: 1100')),
    gql('gql-owned-count', 'GraphQL `currentUser.runners { count }`', '{ currentUser { runners(first: 1) { count } } }', {}, 'owner'),
    gql(
      'gql-owned-page',
      'GraphQL `currentUser.runners(first: 20)`',
      `{ currentUser { runners(first: 20) { count nodes { ...RestRunner } } } } ${RUNNER_FRAGMENT}`,
      {},
      'owner',
    ),
    gql(
      'gql-group-descendants',
      'GraphQL `group.runners(membership: DESCENDANTS) { count }`',
      `query($path: ID!) { group(fullPath: $path) { runners(first: 20, membership: DESCENDANTS) { count nodes { ...RestRunner } } } } ${RUNNER_FRAGMENT}`,
      { path: s.groupPath },
      'owner',
    ),
    gql(
      'gql-group-all',
      'GraphQL `group.runners(membership: ALL_AVAILABLE)`',
      `query($path: ID!) { group(fullPath: $path) { runners(first: 20, membership: ALL_AVAILABLE) { count nodes { ...RestRunner } } } } ${RUNNER_FRAGMENT}`,
      { path: s.groupPath },
      'owner',
    ),
    gql(
      'gql-project',
      'GraphQL `project.runners { count }`',
      `query($path: ID!) { project(fullPath: $path) { runners(first: 20) { count nodes { ...RestRunner } } } } ${RUNNER_FRAGMENT}`,
      { path: s.projectPath },
    ),
    gql('gql-jobs', 'GraphQL `runner.jobs(first: 20) { count }`', jobsPage('', true), { id: runner }),
    gql('gql-jobs-offset', 'GraphQL `runner.jobs(offset: 10000)`', jobsPage(', offset: 10000', false), { id: runner }),
    gql('gql-jobs-failed', 'GraphQL `runner.jobs(statuses: [FAILED])`', jobsPage(', statuses: [FAILED]', false), { id: runner }),
  ];
}
