// The requests the benchmark sends: each REST endpoint of the issue, and the same reads through GraphQL,
// selecting exactly what the REST shim selects (its own fragments), so both transports do the same work.
import { print } from 'graphql';
import { JobFragment } from '../src/rest/entities.ts';
import { RunnerDetailsFragment, RunnerFragment } from '../src/rest/runner-entities.ts';
import { ADMIN_TOKEN, type DatasetSize } from './dataset.ts';

export interface BenchRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

export interface Scenario {
  readonly id: string;
  readonly transport: 'REST' | 'GraphQL';
  readonly label: string;
  /** Each connection cycles through these, so rows vary as they would in real traffic. */
  readonly requests: readonly BenchRequest[];
  /** The same request at page sizes 1 and 100, to show statement counts do not grow with the page. */
  readonly pageSizes?: { readonly one: BenchRequest; readonly hundred: BenchRequest };
}

export const HEADERS = { 'private-token': ADMIN_TOKEN, 'content-type': 'application/json' } as const;
/** Both servers are told this, so `web_url`s and links match byte for byte. */
export const EXTERNAL_URL = 'http://gitlab.bench';
export const JOBS_PER_PAGE = 20;
export const DEEP_OFFSET = 10_000;

export const GRAPHQL = {
  runner: /* GraphQL */ `query BenchRunner($id: CiRunnerID!) { runner(id: $id) { ...RestRunnerDetails } } ${print(RunnerDetailsFragment)}`,
  runners: /* GraphQL */ `query BenchRunners($first: Int!) {
    runners(first: $first, sort: CREATED_ID_ASC) { count nodes { ...RestRunner } } } ${print(RunnerFragment)}`,
  jobs: /* GraphQL */ `query BenchRunnerJobs($id: CiRunnerID!, $first: Int!, $after: String) {
    runner(id: $id) { jobs(first: $first, after: $after, sort: ID_ASC) { pageInfo { hasNextPage endCursor } edges { node { ...RestJob } } } }
  } ${print(JobFragment)}`,
  /** Finds the cursor of the job `offset` deep, by offset paging once, so the keyset page can start after it. */
  cursorAt: /* GraphQL */ `query BenchCursor($id: CiRunnerID!, $offset: Int!) {
    runner(id: $id) { jobs(first: 1, offset: $offset, sort: ID_ASC) { pageInfo { endCursor } } } }`,
} as const;

export const runnerGid = (id: number) => `gid://gitlab/Ci::Runner/${id}`;

const graphql = (operationName: string, query: string, variables: Record<string, unknown>): BenchRequest => ({
  method: 'POST',
  path: '/graphql',
  body: JSON.stringify({ operationName, query, variables }),
});

/** Runners to read one by one: 50 spread over the ids, so instance, group and project runners all come up. */
export function detailRunnerIds(size: DatasetSize): number[] {
  const step = Math.max(1, Math.floor(size.runners / 50));
  return Array.from({ length: Math.min(50, size.runners) }, (_, index) => 1 + index * step);
}

/** The busy runners have tens of thousands of jobs each: deep pages exist on every one of them. */
export function jobRunnerIds(size: DatasetSize): number[] {
  return Array.from({ length: size.busyRunners }, (_, index) => index + 1);
}

const restJobs = (runnerId: number, perPage: number, cursor?: string) =>
  `/api/v4/runners/${runnerId}/jobs?pagination=keyset&per_page=${perPage}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/** Every scenario; `cursors` maps a busy runner to the cursor of its job DEEP_OFFSET deep. */
export function buildScenarios(size: DatasetSize, cursors: ReadonlyMap<number, string>): Scenario[] {
  const details = detailRunnerIds(size);
  const busy = jobRunnerIds(size);
  const cursorOf = (id: number) => {
    const cursor = cursors.get(id);
    if (!cursor) throw new Error(`no cursor ${DEEP_OFFSET} jobs deep for runner ${id}`);
    return cursor;
  };
  const first = busy[0] ?? 1;
  const gqlJobs = (id: number, perPage: number, after: string | null) =>
    graphql('BenchRunnerJobs', GRAPHQL.jobs, { id: runnerGid(id), first: perPage, after });
  return [
    {
      id: 'rest-runner',
      transport: 'REST',
      label: 'GET /runners/:id',
      requests: details.map((id) => ({ method: 'GET', path: `/api/v4/runners/${id}` })),
    },
    {
      id: 'rest-runners',
      transport: 'REST',
      label: 'GET /runners/all?per_page=100',
      requests: [{ method: 'GET', path: '/api/v4/runners/all?per_page=100' }],
      pageSizes: {
        one: { method: 'GET', path: '/api/v4/runners/all?per_page=1' },
        hundred: { method: 'GET', path: '/api/v4/runners/all?per_page=100' },
      },
    },
    {
      id: 'rest-jobs',
      transport: 'REST',
      label: `GET /runners/:id/jobs (first page, ${JOBS_PER_PAGE})`,
      requests: busy.map((id) => ({ method: 'GET', path: restJobs(id, JOBS_PER_PAGE) })),
      pageSizes: { one: { method: 'GET', path: restJobs(first, 1) }, hundred: { method: 'GET', path: restJobs(first, 100) } },
    },
    {
      id: 'rest-jobs-deep',
      transport: 'REST',
      label: `GET /runners/:id/jobs (keyset, ${DEEP_OFFSET.toLocaleString('en')} deep)`,
      requests: busy.map((id) => ({ method: 'GET', path: restJobs(id, JOBS_PER_PAGE, cursorOf(id)) })),
      pageSizes: {
        one: { method: 'GET', path: restJobs(first, 1, cursorOf(first)) },
        hundred: { method: 'GET', path: restJobs(first, 100, cursorOf(first)) },
      },
    },
    {
      id: 'gql-runner',
      transport: 'GraphQL',
      label: 'runner(id)',
      requests: details.map((id) => graphql('BenchRunner', GRAPHQL.runner, { id: runnerGid(id) })),
    },
    {
      id: 'gql-runners',
      transport: 'GraphQL',
      label: 'runners(first: 100)',
      requests: [graphql('BenchRunners', GRAPHQL.runners, { first: 100 })],
      pageSizes: {
        one: graphql('BenchRunners', GRAPHQL.runners, { first: 1 }),
        hundred: graphql('BenchRunners', GRAPHQL.runners, { first: 100 }),
      },
    },
    {
      id: 'gql-jobs',
      transport: 'GraphQL',
      label: `runner.jobs (first page, ${JOBS_PER_PAGE})`,
      requests: busy.map((id) => gqlJobs(id, JOBS_PER_PAGE, null)),
      pageSizes: { one: gqlJobs(first, 1, null), hundred: gqlJobs(first, 100, null) },
    },
    {
      id: 'gql-jobs-deep',
      transport: 'GraphQL',
      label: `runner.jobs (after a cursor ${DEEP_OFFSET.toLocaleString('en')} deep)`,
      requests: busy.map((id) => gqlJobs(id, JOBS_PER_PAGE, cursorOf(id))),
      pageSizes: { one: gqlJobs(first, 1, cursorOf(first)), hundred: gqlJobs(first, 100, cursorOf(first)) },
    },
  ];
}

/** Asks the gateway for each busy runner's cursor DEEP_OFFSET jobs deep. */
export async function findCursors(baseUrl: string, size: DatasetSize): Promise<Map<number, string>> {
  const cursors = new Map<number, string>();
  for (const id of jobRunnerIds(size)) {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify({ query: GRAPHQL.cursorAt, variables: { id: runnerGid(id), offset: DEEP_OFFSET - 1 } }),
    });
    const answer = (await response.json()) as { data?: { runner?: { jobs?: { pageInfo: { endCursor: string | null } } } } };
    const cursor = answer.data?.runner?.jobs?.pageInfo.endCursor;
    if (!cursor) throw new Error(`runner ${id} has fewer than ${DEEP_OFFSET} jobs: ${JSON.stringify(answer).slice(0, 300)}`);
    cursors.set(id, cursor);
  }
  return cursors;
}
