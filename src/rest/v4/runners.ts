import { MAX_COUNT } from '../pagination.ts';
import type { FastifyInstance } from 'fastify';
import { defineOperation, runOperation } from '../../graphql/execute.ts';
import { RUNNER_DETAILS_FRAGMENT, RUNNER_FRAGMENT, type RunnerDetailsNode, type RunnerNode, runnerDetailsEntity } from '../entities.ts';
import { notFound, restErrorFrom, sendJson, userContextFor, validationError } from '../http.ts';
import { parseParams } from '../params.ts';
import { inIdRange, type RestDeps, requestParams, route, unmodifiedSince } from './deps.ts';
import { RUNNER_ATTRIBUTE_SPECS, runnerAttributesInput } from './runner-attributes.ts';
import { RUNNER_LIST_ARGS, RUNNER_LIST_PASS, runnerListRoute } from './runner-lists.ts';

type Page = { count: number; nodes: RunnerNode[] };

const OwnedRunners = defineOperation<{ currentUser: { runners: Page | null } | null }>(/* GraphQL */ `
  query RestOwnedRunners(${RUNNER_LIST_ARGS}) {
    currentUser { runners(${RUNNER_LIST_PASS}) { count(limit: ${MAX_COUNT}) nodes { ...RestRunner } } }
  }
  ${RUNNER_FRAGMENT}
`);

const AllRunners = defineOperation<{ runners: Page | null }>(/* GraphQL */ `
  query RestAllRunners(${RUNNER_LIST_ARGS}) {
    runners(${RUNNER_LIST_PASS}) { count(limit: ${MAX_COUNT}) nodes { ...RestRunner } }
  }
  ${RUNNER_FRAGMENT}
`);

const ShowRunner = defineOperation<{ runner: RunnerDetailsNode | null }>(/* GraphQL */ `
  query RestShowRunner($id: CiRunnerID!) { runner(id: $id) { ...RestRunnerDetails } }
  ${RUNNER_DETAILS_FRAGMENT}
`);

const UpdateRunner = defineOperation<{
  runnerUpdate: { runner: RunnerDetailsNode | null; errors: string[]; attributeErrors: { attribute: string; message: string }[] } | null;
}>(/* GraphQL */ `
  mutation RestUpdateRunner($input: RunnerUpdateInput!) {
    runnerUpdate(input: $input) { runner { ...RestRunnerDetails } errors attributeErrors { attribute message } }
  }
  ${RUNNER_DETAILS_FRAGMENT}
`);

const DeleteRunner = defineOperation<{ runnerDelete: { errors: string[] } | null }>(/* GraphQL */ `
  mutation RestDeleteRunner($input: RunnerDeleteInput!) { runnerDelete(input: $input) { errors } }
`);

// Every status the GET /runners list endpoints accept; `GET /runners` takes only the status-like scopes.
const OWNED_SCOPES = ['active', 'paused', 'online', 'offline', 'never_contacted', 'stale'];

const SHOW_SPECS = { include_projects: { type: 'boolean', default: true } } as const;

const UPDATE_SPECS = RUNNER_ATTRIBUTE_SPECS;

const runnerGid = (id: number) => `gid://gitlab/Ci::Runner/${id}`;

/** Reads the integer `:id` the Grape way (400 "id is invalid"), and answers ids that cannot exist with 404. */
export function runnerIdParam(raw: Record<string, unknown>, name = 'id'): number {
  const params = parseParams(raw, { [name]: { type: 'integer', required: true } });
  const id = params[name] as number;
  if (!inIdRange(id)) throw notFound('Runner');
  return id;
}

export function runnerRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;
  const context = (request: Parameters<typeof requestParams>[0], raw: Record<string, unknown>) =>
    userContextFor(db, settings, request, raw);

  runnerListRoute(app, deps, {
    path: '/runners',
    summary: 'List the runners you own (never instance runners)',
    withScope: true,
    allowedScopes: OWNED_SCOPES,
    operation: OwnedRunners,
    pick: (data) => data.currentUser?.runners,
  });
  runnerListRoute(app, deps, {
    path: '/runners/all',
    summary: 'List every runner of the instance (administrators)',
    withScope: true,
    allowedScopes: null,
    operation: AllRunners,
    pick: (data) => data.runners,
  });

  route(
    app,
    deps,
    {
      method: 'GET',
      path: '/runners/:id',
      summary: "Get a runner's details",
      auth: 'user',
      params: SHOW_SPECS,
      status: 200,
      response: 'RunnerDetails',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await context(request, raw);
      const id = runnerIdParam(raw);
      const params = parseParams(raw, SHOW_SPECS);
      const result = await runOperation(ShowRunner, { id: runnerGid(id) }, ctx);
      if (result.errors[0]) throw restErrorFrom(result.errors[0]);
      if (!result.data?.runner) throw notFound('Runner');
      return sendJson(reply, 200, runnerDetailsEntity(result.data.runner, params.include_projects !== false));
    },
  );

  route(
    app,
    deps,
    {
      method: 'PUT',
      path: '/runners/:id',
      summary: "Update a runner's details",
      auth: 'user',
      params: UPDATE_SPECS,
      status: 200,
      response: 'RunnerDetails',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await context(request, raw);
      const id = runnerIdParam(raw);
      const params = parseParams(raw, UPDATE_SPECS, {
        atLeastOneOf: Object.keys(UPDATE_SPECS),
        mutuallyExclusive: [['active', 'paused']],
      });
      const input = { id: runnerGid(id), ...runnerAttributesInput(params) };
      const result = await runOperation(UpdateRunner, { input }, ctx);
      if (result.errors[0]) throw restErrorFrom(result.errors[0]);
      const payload = result.data?.runnerUpdate;
      if (payload?.attributeErrors.length) throw validationError(payload.attributeErrors);
      if (!payload?.runner) throw notFound('Runner');
      return sendJson(reply, 200, runnerDetailsEntity(payload.runner));
    },
  );

  route(
    app,
    deps,
    {
      method: 'DELETE',
      path: '/runners/:id',
      summary: 'Delete a runner (If-Unmodified-Since honoured)',
      auth: 'user',
      status: 204,
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await context(request, raw);
      const id = runnerIdParam(raw);
      const result = await runOperation(DeleteRunner, { input: { id: runnerGid(id), unmodifiedSince: unmodifiedSince(request) } }, ctx);
      if (result.errors[0]) throw restErrorFrom(result.errors[0]);
      return reply.status(204).send();
    },
  );
}
