// PostGraphile 4 as a peer in `npm run bench`: installed on first use into bench/.postgraphile (git-ignored; not a
// dependency of the product), started on the same database with the same pool size, and sent, for each GraphQL
// scenario, the query that reads the same rows through its generated schema. Before timing, the rows it returns are
// checked against the gateway's (same runners, same jobs, same order).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { numericId } from '../src/rest/entities.ts';
import { ROOT, type ServerProcess, startServer } from './processes.ts';
import { type BenchRequest, DEEP_OFFSET, detailRunnerIds, JOBS_PER_PAGE, jobRunnerIds, type Scenario } from './scenarios.ts';
import type { DatasetSize } from './dataset.ts';

/** The last release of PostGraphile 4 (5 needs Node 22). */
export const POSTGRAPHILE_VERSION = '4.14.1';
const FOLDER = join(ROOT, 'bench', '.postgraphile');

/** Installs PostGraphile into bench/.postgraphile unless that version is there already. */
export function ensurePostGraphile(log: (line: string) => void): void {
  const manifest = join(FOLDER, 'node_modules', 'postgraphile', 'package.json');
  if (
    existsSync(manifest) &&
    (JSON.parse(execFileSync('cat', [manifest], { encoding: 'utf8' })) as { version: string }).version === POSTGRAPHILE_VERSION
  ) {
    return;
  }
  log(`installing PostGraphile ${POSTGRAPHILE_VERSION} into bench/.postgraphile (first run only)…`);
  execFileSync(
    'npm',
    ['install', '--prefix', FOLDER, `postgraphile@${POSTGRAPHILE_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

export function startPostGraphile(port: number, databaseUrl: string, poolMax: number): Promise<ServerProcess> {
  return startServer('postgraphile', [], 'bench/postgraphile-server.mjs', port, {
    DATABASE_URL: databaseUrl,
    DB_POOL_MAX: String(poolMax),
  });
}

const USER = 'id username name state avatarUrl';
const PROJECT = 'id name nameWithNamespace path pathWithNamespace';
const RUNNER = `id description paused runnerType name createdAt contactedAt userByCreatorId { ${USER} }
  running: jobsByRunnerId(condition: { status: RUNNING }) { totalCount }`;

/** The same rows as the gateway's GraphQL scenarios select, in PostGraphile's generated schema. */
export const POSTGRAPHILE_QUERIES = {
  runner: `query PgRunner($id: Int!) { runnerById(id: $id) { ${RUNNER}
    tagList runUntagged locked maximumTimeout accessLevel maintenanceNote
    runnerManagersByRunnerId(first: 1, orderBy: CONTACTED_AT_DESC) { nodes { version revision platform architecture } }
    runnerProjectsByRunnerId(first: 100) { nodes { projectByProjectId { ${PROJECT} } } }
    groupByGroupId { id name fullPath } } }`,
  runners: `query PgRunners($first: Int!) { allRunners(first: $first, orderBy: ID_ASC) { totalCount nodes { ${RUNNER} } } }`,
  jobs: `query PgJobs($id: Int!, $first: Int!, $after: Cursor) { runnerById(id: $id) {
    jobsByRunnerId(first: $first, after: $after, orderBy: ID_ASC) { pageInfo { hasNextPage endCursor } edges { node {
      id status stage name ref tag coverage allowFailure createdAt queuedAt startedAt finishedAt failureReason
      userByUserId { ${USER} createdAt bio location publicEmail skype linkedin twitter websiteUrl organization }
      pipelineByPipelineId { id iid projectId ref status source createdAt updatedAt
        commitByCommitId { sha createdAt parentIds title message authorName authorEmail authoredDate committerName committerEmail committedDate } }
      projectByProjectId { ${PROJECT} } } } } } }`,
  cursorAt: `query PgCursor($id: Int!, $offset: Int!) { runnerById(id: $id) { jobsByRunnerId(first: 1, offset: $offset, orderBy: ID_ASC) { pageInfo { endCursor } } } }`,
} as const;

const graphql = (operationName: string, query: string, variables: Record<string, unknown>): BenchRequest => ({
  method: 'POST',
  path: '/graphql',
  body: JSON.stringify({ operationName, query, variables }),
});

async function ask<T>(url: string, request: BenchRequest): Promise<T> {
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: { 'content-type': 'application/json' },
    body: request.body,
  });
  const answer = (await response.json()) as { data?: T; errors?: unknown };
  if (!answer.data || answer.errors)
    throw new Error(`PostGraphile refused ${request.body?.slice(0, 120)}: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

/** PostGraphile's request for each GraphQL scenario of the gateway, by scenario id. */
export async function postGraphileRequests(url: string, size: DatasetSize): Promise<Map<string, readonly BenchRequest[]>> {
  const cursors = new Map<number, string>();
  for (const id of jobRunnerIds(size)) {
    const data = await ask<{ runnerById: { jobsByRunnerId: { pageInfo: { endCursor: string } } } }>(
      url,
      graphql('PgCursor', POSTGRAPHILE_QUERIES.cursorAt, { id, offset: DEEP_OFFSET - 1 }),
    );
    cursors.set(id, data.runnerById.jobsByRunnerId.pageInfo.endCursor);
  }
  const jobs = (id: number, after: string | null) => graphql('PgJobs', POSTGRAPHILE_QUERIES.jobs, { id, first: JOBS_PER_PAGE, after });
  return new Map([
    ['gql-runner', detailRunnerIds(size).map((id) => graphql('PgRunner', POSTGRAPHILE_QUERIES.runner, { id }))],
    ['gql-runners', [graphql('PgRunners', POSTGRAPHILE_QUERIES.runners, { first: 100 })]],
    ['gql-jobs', jobRunnerIds(size).map((id) => jobs(id, null))],
    ['gql-jobs-deep', jobRunnerIds(size).map((id) => jobs(id, cursors.get(id) ?? null))],
  ]);
}

/** The ids of the rows an answer holds, in order: runners, or a page of jobs (whichever server answered). */
function rowIds(data: unknown): number[] {
  const ids: number[] = [];
  const visit = (value: unknown, key: string) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const rows = record.nodes ?? record.edges;
    if ((key === 'runners' || key === 'allRunners' || key === 'jobs' || key === 'jobsByRunnerId') && Array.isArray(rows)) {
      for (const row of rows) {
        const node = ((row as { node?: unknown }).node ?? row) as { id: string | number };
        ids.push(typeof node.id === 'number' ? node.id : numericId(node.id));
      }
      return;
    }
    if ((key === 'runner' || key === 'runnerById') && typeof record.id !== 'undefined') {
      ids.push(typeof record.id === 'number' ? record.id : numericId(String(record.id)));
      for (const [child, item] of Object.entries(record)) if (child === 'jobs' || child === 'jobsByRunnerId') visit(item, child);
      return;
    }
    for (const [child, item] of Object.entries(record)) visit(item, child);
  };
  visit(data, '');
  return ids;
}

/**
 * Sends every request of each GraphQL scenario to both servers and checks that they return the same rows (ids, in
 * order); throws at the first difference. Answers how many answers were compared.
 */
export async function assertSameRows(
  gateway: string,
  postgraphile: string,
  scenarios: readonly Scenario[],
  requests: ReadonlyMap<string, readonly BenchRequest[]>,
  headers: Record<string, string>,
): Promise<number> {
  let compared = 0;
  for (const scenario of scenarios) {
    const theirs = requests.get(scenario.id);
    if (!theirs) continue;
    for (const [index, request] of scenario.requests.entries()) {
      const peer = theirs[index % theirs.length];
      if (!peer) continue;
      const response = await fetch(`${gateway}${request.path}`, { method: request.method, headers, body: request.body });
      const ours = rowIds(((await response.json()) as { data?: unknown }).data);
      const other = rowIds(await ask<unknown>(postgraphile, peer));
      if (ours.length === 0 || JSON.stringify(ours) !== JSON.stringify(other)) {
        throw new Error(`${scenario.id}: the gateway returned rows ${ours.slice(0, 5)}…, PostGraphile ${other.slice(0, 5)}…`);
      }
      compared += 1;
    }
  }
  return compared;
}
