import type { FastifyInstance } from 'fastify';
import type { Operation } from '../../graphql/execute.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
import { type RunnerNode, runnerEntity } from '../runner-entities.ts';
import { notFound, RestError, sendJson, userContextFor } from '../http.ts';
import { perform } from '../operations.ts';
import { pageWindow, paginationSpecs, setPaginationHeaders } from '../pagination.ts';
import { type ParamSpec, type ParsedParams, parseParams, type RawParams, upper } from '../params.ts';

const TYPES = ['instance_type', 'group_type', 'project_type'] as const;
export const STATUSES = ['active', 'paused', 'online', 'offline', 'never_contacted', 'stale'] as const;
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

/**
 * The list arguments every runner list operation declares and passes on, written out in each (a typed document is
 * one literal): `$type: CiRunnerType, $types: [CiRunnerType!], $status: CiRunnerStatus, $paused: Boolean,
 * $tagList: [String!], $versionPrefix: String, $first: Int!, $offset: Int`, sorted `CREATED_ID_ASC`.
 */
export interface RunnerListVariables {
  type?: Uppercase<(typeof TYPES)[number]> | null;
  types?: Uppercase<(typeof TYPES)[number]>[] | null;
  status?: Uppercase<(typeof STATUSES)[number]> | null;
  paused?: boolean | null;
  tagList?: string[] | null;
  versionPrefix?: string | null;
  first: number;
  offset?: number | null;
}

const isType = (scope: string): scope is (typeof TYPES)[number] => (TYPES as readonly string[]).includes(scope);
const isStatus = (scope: string): scope is (typeof STATUSES)[number] => (STATUSES as readonly string[]).includes(scope);

/** Turns the REST filters (and a deprecated `scope`) into the GraphQL list arguments. */
function listVariables(params: ParsedParams<ReturnType<typeof listSpecs>>, allowedScopes: readonly string[] | null) {
  const { scope } = params;
  if (scope !== undefined && allowedScopes && !allowedScopes.includes(scope)) {
    throw new RestError(400, { message: 'Scope contains invalid value' });
  }
  const window = pageWindow(params);
  let type = params.type && upper(params.type);
  let types: RunnerListVariables['types'];
  let status = params.status && upper(params.status);
  if (scope === 'shared') type = type ?? 'INSTANCE_TYPE';
  else if (scope === 'specific') types = ['GROUP_TYPE', 'PROJECT_TYPE'];
  else if (scope && isType(scope)) type = type ?? upper(scope);
  // A deprecated status scope narrows like `status`; where both are given, `status` (the current name) wins.
  else if (scope && isStatus(scope)) status = status ?? upper(scope);
  const variables: RunnerListVariables = {
    type,
    types,
    status,
    paused: params.paused,
    tagList: params.tag_list,
    versionPrefix: params.version_prefix,
    first: window.perPage,
    offset: window.offset,
  };
  return { window, variables };
}

interface RunnerPage {
  readonly count: number | null;
  readonly nodes: readonly (RunnerNode | null)[] | null;
}

/**
 * Registers one GitLab runner list: parse the filters, run the operation, answer the page with pagination headers.
 * `pick` finds the connection in the answer; null there means the project or group is not visible (404 `missing`).
 */
export function runnerListRoute<TData, TVariables extends RunnerListVariables>(
  app: FastifyInstance,
  deps: RestDeps,
  options: {
    path: string;
    summary: string;
    /** Whether the deprecated `scope` is declared; which of its values the endpoint takes (null: all). */
    withScope: boolean;
    allowedScopes: readonly string[] | null;
    operation: Operation<TData, TVariables>;
    variables?: (raw: RawParams) => Omit<TVariables, keyof RunnerListVariables>;
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
      // The list arguments and the route's own: together, the operation's variables.
      const all = { ...variables, ...options.variables?.(raw) } as TVariables;
      const page = options.pick(await perform(options.operation, all, context));
      if (!page) throw notFound(options.missing);
      const nodes = (page.nodes ?? []).flatMap((node) => (node ? [node] : []));
      setPaginationHeaders(reply, request, deps.settings.externalUrl, raw, window, page.count ?? 0, nodes.length);
      return sendJson(reply, 200, nodes.map(runnerEntity));
    },
  );
}
