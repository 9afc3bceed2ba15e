import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { MODEL_CLASS, toGlobalId } from '../../graphql/ids.ts';
import { JobFragment, jobEntity } from '../entities.ts';
import { graphql, type VariablesOf } from '../graphql.ts';
import { notFound, sendJson, userContextFor } from '../http.ts';
import { perform } from '../operations.ts';
import { pageWindow, paginationSpecs, setKeysetHeaders, setPaginationHeaders } from '../pagination.ts';
import { parseParams } from '../params.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
import { runnerIdParam } from './runners.ts';

// `count` is only asked for offset pages: keyset pages send no totals, and counting a busy runner's jobs is the
// costly part.
const RunnerJobsDocument = graphql(
  `
  query RestRunnerJobs(
    $id: CiRunnerID!, $statuses: [CiJobStatus!], $systemId: String, $sort: CiJobSort, $first: Int!, $offset: Int, $after: String, $withCount: Boolean!
  ) {
    runner(id: $id) {
      jobs(statuses: $statuses, systemId: $systemId, sort: $sort, first: $first, offset: $offset, after: $after) {
        count @include(if: $withCount)
        pageInfo { hasNextPage endCursor }
        edges { node { ...RestJob } }
      }
    }
  }
`,
  [JobFragment],
);
const RunnerJobs = defineOperation(RunnerJobsDocument);
type JobStatus = NonNullable<VariablesOf<typeof RunnerJobsDocument>['statuses']>[number];

// The statuses GitLab's endpoint accepts; the gateway models fewer, and the others simply match no job.
const REST_STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'waiting_for_callback',
  'pending',
  'running',
  'success',
  'failed',
  'canceling',
  'canceled',
  'skipped',
  'manual',
  'scheduled',
] as const;
const MODELLED: Partial<Record<(typeof REST_STATUSES)[number], JobStatus>> = {
  created: 'CREATED',
  pending: 'PENDING',
  running: 'RUNNING',
  success: 'SUCCESS',
  failed: 'FAILED',
  canceled: 'CANCELED',
  skipped: 'SKIPPED',
  manual: 'MANUAL',
};

const JOB_SPECS = {
  system_id: { type: 'string' },
  status: { type: 'string', values: REST_STATUSES },
  order_by: { type: 'string', values: ['id'] },
  sort: { type: 'string', values: ['asc', 'desc'], default: 'desc' },
  pagination: { type: 'string', values: ['offset', 'keyset'] },
  cursor: { type: 'string' },
  ...paginationSpecs,
} as const;

/**
 * The order of a page. Offset pages: GitLab's RunnerJobsFinder ignores `sort` unless `order_by=id` is given (then
 * newest first by default), so a plain request lists oldest first. Keyset pages: GitLab's keyset paginator orders by
 * id in the `sort` direction, whose default is `desc`, so they run newest first and rel="next" continues so.
 */
function jobOrder(params: { order_by?: string; sort?: string }, keyset: boolean): 'ID_ASC' | 'ID_DESC' {
  if (keyset) return params.sort === 'asc' ? 'ID_ASC' : 'ID_DESC';
  return params.order_by === 'id' && params.sort === 'desc' ? 'ID_DESC' : 'ID_ASC';
}

export function runnerJobRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;
  route(
    app,
    deps,
    {
      method: 'GET',
      path: '/runners/:id/jobs',
      summary: 'List the jobs a runner ran',
      auth: 'user',
      params: JOB_SPECS,
      status: 200,
      response: '[Job]',
      paginated: true,
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const id = runnerIdParam(raw);
      const params = parseParams(raw, JOB_SPECS);
      const window = pageWindow(params);
      const keyset = params.pagination === 'keyset';
      // GitLab skips counting when filtering by manager: its offset pages then carry no X-Total or X-Total-Pages.
      const byManager = Boolean(params.system_id);
      const status = params.status === undefined ? undefined : MODELLED[params.status];
      const unmodelled = params.status !== undefined && status === undefined;
      const data = await perform(
        RunnerJobs,
        {
          id: toGlobalId(MODEL_CLASS.runner, id),
          statuses: status ? [status] : null,
          systemId: byManager ? params.system_id : null,
          sort: jobOrder(params, keyset),
          // A status the gateway does not model still goes through the runner's checks, then matches nothing.
          first: unmodelled ? 0 : window.perPage,
          offset: keyset ? null : window.offset,
          after: keyset ? (params.cursor ?? null) : null,
          withCount: !keyset && !byManager,
        },
        ctx,
      );
      const jobs = data.runner?.jobs;
      if (!jobs) throw notFound('Runner');
      const rows = unmodelled ? [] : (jobs.edges ?? []).flatMap((edge) => (edge?.node ? [jobEntity(edge.node)] : []));
      if (keyset) {
        setKeysetHeaders(
          reply,
          request,
          settings.externalUrl,
          raw,
          window.perPage,
          jobs.pageInfo.hasNextPage ? jobs.pageInfo.endCursor : null,
        );
      } else {
        const total = byManager ? null : unmodelled ? 0 : (jobs.count ?? 0);
        setPaginationHeaders(
          reply,
          request,
          settings.externalUrl,
          { ...raw, sort: params.sort },
          window,
          total,
          rows.length,
          jobs.pageInfo.hasNextPage,
        );
      }
      return sendJson(reply, 200, rows);
    },
  );
}
