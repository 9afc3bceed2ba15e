import type { FastifyInstance } from 'fastify';
import { defineOperation, runOperation } from '../../graphql/execute.ts';
import { JOB_FRAGMENT, type JobNode, jobEntity } from '../entities.ts';
import { notFound, restErrorFrom, sendJson, userContextFor } from '../http.ts';
import { pageWindow, paginationSpecs, setKeysetHeaders, setPaginationHeaders } from '../pagination.ts';
import { parseParams } from '../params.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
import { runnerIdParam } from './runners.ts';

interface JobsPage {
  /** Only asked for offset pages: keyset pages send no totals, and counting a busy runner's jobs is the costly part. */
  count?: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: JobNode }[];
}

const RunnerJobs = defineOperation<{ runner: { jobs: JobsPage | null } | null }>(/* GraphQL */ `
  query RestRunnerJobs($id: CiRunnerID!, $statuses: [CiJobStatus!], $sort: CiJobSort, $first: Int!, $offset: Int, $after: String, $withCount: Boolean!) {
    runner(id: $id) {
      jobs(statuses: $statuses, sort: $sort, first: $first, offset: $offset, after: $after) {
        count @include(if: $withCount)
        pageInfo { hasNextPage endCursor }
        edges { node { ...RestJob } }
      }
    }
  }
  ${JOB_FRAGMENT}
`);

// The statuses GitLab's endpoint accepts; the gateway models fewer, and the others simply match no job.
const REST_STATUSES = [
  'created', 'waiting_for_resource', 'preparing', 'waiting_for_callback', 'pending', 'running', 'success', 'failed',
  'canceling', 'canceled', 'skipped', 'manual', 'scheduled',
] as const;
const MODELLED = new Set(['created', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped', 'manual']);

const JOB_SPECS = {
  status: { type: 'string', values: REST_STATUSES },
  order_by: { type: 'string', values: ['id'] },
  sort: { type: 'string', values: ['asc', 'desc'], default: 'desc' },
  pagination: { type: 'string', values: ['offset', 'keyset'] },
  cursor: { type: 'string' },
  ...paginationSpecs,
} as const;

export function runnerJobRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;
  route(app, deps, {
    method: 'GET', path: '/runners/:id/jobs', summary: 'List the jobs a runner ran', auth: 'user',
    params: JOB_SPECS, status: 200, response: '[Job]', paginated: true,
  }, async (request, reply) => {
    const raw = requestParams(request);
    const ctx = await userContextFor(db, settings, request, raw);
    const id = runnerIdParam(raw);
    const params = parseParams(raw, JOB_SPECS);
    const window = pageWindow(params);
    const keyset = params.pagination === 'keyset';
    const unmodelled = params.status !== undefined && !MODELLED.has(params.status);
    const result = await runOperation(
      RunnerJobs,
      {
        id: `gid://gitlab/Ci::Runner/${id}`,
        statuses: params.status && !unmodelled ? [params.status.toUpperCase()] : null,
        // GitLab ignores `sort` unless `order_by=id` is given, and then defaults to newest first.
        sort: params.order_by === 'id' && params.sort === 'desc' ? 'ID_DESC' : 'ID_ASC',
        // A status the gateway does not model still goes through the runner's checks, then matches nothing.
        first: unmodelled ? 0 : window.perPage,
        offset: keyset ? null : window.offset,
        after: keyset ? (params.cursor ?? null) : null,
        withCount: !keyset,
      },
      ctx,
    );
    if (result.errors[0]) throw restErrorFrom(result.errors[0]);
    const jobs = result.data?.runner?.jobs;
    if (!jobs) throw notFound('Runner');
    const rows = unmodelled ? [] : jobs.edges.map(({ node }) => jobEntity(node));
    if (keyset) {
      setKeysetHeaders(reply, request, settings.externalUrl, raw, window.perPage, jobs.pageInfo.hasNextPage ? jobs.pageInfo.endCursor : null);
    } else {
      setPaginationHeaders(reply, request, settings.externalUrl, { ...raw, sort: params.sort }, window, unmodelled ? 0 : (jobs.count ?? 0), rows.length);
    }
    return sendJson(reply, 200, rows);
  });
}
