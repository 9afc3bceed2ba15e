import type { FastifyInstance } from 'fastify';
import { type Operation, runOperation } from '../../graphql/execute.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
import { type RunnerNode, runnerEntity } from '../entities.ts';
import { notFound, RestError, restErrorFrom, sendJson, userContextFor } from '../http.ts';
import { pageWindow, paginationSpecs, setPaginationHeaders } from '../pagination.ts';
import { type ParamSpec, parseParams, type RawParams } from '../params.ts';

const TYPES = ['instance_type', 'group_type', 'project_type'] as const;
const STATUSES = ['active', 'paused', 'online', 'offline', 'never_contacted', 'stale'] as const;
const SCOPES = ['specific', 'shared', ...TYPES, ...STATUSES] as const;

/** The list endpoints' filters. `scope` is deprecated, and each endpoint decides which of its values it takes. */
export function listSpecs(withScope: boolean) {
  return {
    ...(withScope ? { scope: { type: 'string', values: SCOPES } } : {}),
    type: { type: 'string', values: TYPES },
    status: { type: 'string', values: STATUSES },
    paused: { type: 'boolean' },
    tag_list: { type: 'string_array' },
    version_prefix: { type: 'string', regexp: /^[\d+.]+/ },
    ...paginationSpecs,
  } satisfies Record<string, ParamSpec>;
}

export const RUNNER_LIST_ARGS = /* GraphQL */ `$type: CiRunnerType, $types: [CiRunnerType!], $status: CiRunnerStatus,
  $paused: Boolean, $tagList: [String!], $versionPrefix: String, $first: Int!, $offset: Int`;
export const RUNNER_LIST_PASS = /* GraphQL */ `type: $type, types: $types, status: $status, paused: $paused,
  tagList: $tagList, versionPrefix: $versionPrefix, first: $first, offset: $offset, sort: CREATED_ID_ASC`;

const upper = (value: string | undefined) => value?.toUpperCase();

/** Turns the REST filters (and a deprecated `scope`) into the GraphQL list arguments. */
function listVariables(params: Record<string, unknown>, allowedScopes: readonly string[] | null) {
  const scope = params.scope as string | undefined;
  if (scope !== undefined && allowedScopes && !allowedScopes.includes(scope)) {
    throw new RestError(400, { message: 'Scope contains invalid value' });
  }
  const window = pageWindow(params as { page?: number; per_page?: number });
  let type = upper(params.type as string | undefined);
  let types: string[] | undefined;
  let status = upper(params.status as string | undefined);
  if (scope === 'shared') type = type ?? 'INSTANCE_TYPE';
  else if (scope === 'specific') types = ['GROUP_TYPE', 'PROJECT_TYPE'];
  else if (scope && (TYPES as readonly string[]).includes(scope)) type = type ?? scope.toUpperCase();
  // A deprecated status scope narrows like `status`; where both are given, `status` (the current name) wins.
  else if (scope) status = status ?? scope.toUpperCase();
  return {
    window,
    variables: {
      type,
      types,
      status,
      paused: params.paused,
      tagList: params.tag_list,
      versionPrefix: params.version_prefix,
      first: window.perPage,
      offset: window.offset,
    },
  };
}

interface RunnerPage {
  count: number;
  nodes: RunnerNode[];
}

/**
 * Registers one GitLab runner list: parse the filters, run the operation, answer the page with pagination headers.
 * `pick` finds the connection in the answer; null there means the project or group is not visible (404 `missing`).
 */
export function runnerListRoute<TData>(
  app: FastifyInstance,
  deps: RestDeps,
  options: {
    path: string;
    summary: string;
    /** Whether the deprecated `scope` is declared; which of its values the endpoint takes (null: all). */
    withScope: boolean;
    allowedScopes: readonly string[] | null;
    operation: Operation<TData>;
    variables?: (raw: RawParams) => Record<string, unknown>;
    pick: (data: TData) => RunnerPage | null | undefined;
    missing?: string;
  },
) {
  const specs = listSpecs(options.withScope);
  route(
    app,
    deps,
    {
      method: 'GET',
      path: options.path,
      summary: options.summary,
      auth: 'user',
      params: specs,
      status: 200,
      response: '[Runner]',
      paginated: true,
    },
    async (request, reply) => {
      const requested = requestParams(request);
      const context = await userContextFor(deps.db, deps.settings, request, requested);
      // Without a declared `scope` (groups), a sent one is ignored, not refused, and not echoed in links.
      const { scope: _scope, ...unscoped } = requested;
      const raw = options.withScope ? requested : unscoped;
      const params = parseParams(raw, specs);
      const { window, variables } = listVariables(params, options.allowedScopes);
      const result = await runOperation(options.operation, { ...variables, ...options.variables?.(raw) }, context);
      const [first] = result.errors;
      if (first) throw restErrorFrom(first);
      const page = result.data ? options.pick(result.data) : null;
      if (!page) throw notFound(options.missing);
      setPaginationHeaders(reply, request, deps.settings.externalUrl, raw, window, page.count, page.nodes.length);
      return sendJson(reply, 200, page.nodes.map(runnerEntity));
    },
  );
}
