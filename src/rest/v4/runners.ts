import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { MODEL_CLASS, toGlobalId } from '../../graphql/ids.ts';
import { RunnerDetailsFragment, RunnerFragment, runnerDetailsEntity } from '../runner-entities.ts';
import { graphql } from '../graphql.ts';
import { notFound, sendJson, userContextFor, validationError } from '../http.ts';
import { perform } from '../operations.ts';
import { parseParams } from '../params.ts';
import { inIdRange, type RestDeps, requestParams, route, unmodifiedSince } from './deps.ts';
import { runnerAttributesInput, runnerParams } from './runner-attributes.ts';
import { runnerListRoute, STATUSES } from './runner-lists.ts';

const OwnedRunners = defineOperation(
  graphql(
    `
  query RestOwnedRunners($type: CiRunnerType, $types: [CiRunnerType!], $status: CiRunnerStatus,
    $paused: Boolean, $tagList: [String!], $versionPrefix: String, $first: Int!, $offset: Int) {
    currentUser { runners(type: $type, types: $types, status: $status, paused: $paused,
      tagList: $tagList, versionPrefix: $versionPrefix, first: $first, offset: $offset, sort: CREATED_ID_ASC) { count(limit: 10000) nodes { ...RestRunner } } }
  }
`,
    [RunnerFragment],
  ),
);

const AllRunners = defineOperation(
  graphql(
    `
  query RestAllRunners($type: CiRunnerType, $types: [CiRunnerType!], $status: CiRunnerStatus,
    $paused: Boolean, $tagList: [String!], $versionPrefix: String, $first: Int!, $offset: Int) {
    runners(type: $type, types: $types, status: $status, paused: $paused,
      tagList: $tagList, versionPrefix: $versionPrefix, first: $first, offset: $offset, sort: CREATED_ID_ASC) { count(limit: 10000) nodes { ...RestRunner } }
  }
`,
    [RunnerFragment],
  ),
);

const ShowRunner = defineOperation(
  graphql(`query RestShowRunner($id: CiRunnerID!) { runner(id: $id) { ...RestRunnerDetails } }`, [RunnerDetailsFragment]),
);

const UpdateRunner = defineOperation(
  graphql(
    `
  mutation RestUpdateRunner($input: RunnerUpdateInput!) {
    runnerUpdate(input: $input) { runner { ...RestRunnerDetails } errors attributeErrors { attribute message } }
  }
`,
    [RunnerDetailsFragment],
  ),
);

const DeleteRunner = defineOperation(
  graphql(`mutation RestDeleteRunner($input: RunnerDeleteInput!) { runnerDelete(input: $input) { errors } }`),
);

const SHOW_SPECS = { include_projects: { type: 'boolean', default: true } } as const;

const UPDATE = runnerParams('updater');
const UPDATE_SPECS = UPDATE.specs;

const runnerGid = (id: number) => toGlobalId(MODEL_CLASS.runner, id);

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
    // `GET /runners` takes only the status-like scopes: every status the list endpoints accept.
    allowedScopes: STATUSES,
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
      const { runner } = await perform(ShowRunner, { id: runnerGid(id) }, ctx);
      if (!runner) throw notFound('Runner');
      return sendJson(reply, 200, runnerDetailsEntity(runner, params.include_projects !== false));
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
        mutuallyExclusive: UPDATE.mutuallyExclusive,
      });
      const input = { id: runnerGid(id), ...runnerAttributesInput(params) };
      const payload = (await perform(UpdateRunner, { input }, ctx)).runnerUpdate;
      if (payload?.attributeErrors?.length) throw validationError(payload.attributeErrors);
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
      await perform(DeleteRunner, { input: { id: runnerGid(id), unmodifiedSince: unmodifiedSince(request) } }, ctx);
      return reply.status(204).send();
    },
  );
}
