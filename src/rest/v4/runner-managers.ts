import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { MODEL_CLASS, toGlobalId } from '../../graphql/ids.ts';
import { numericId } from '../entities.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { contextFor, notFound, sendJson, userContextFor } from '../http.ts';
import { perform } from '../operations.ts';
import { parseParams } from '../params.ts';
import { type RestDeps, requestParams, route, unmodifiedSince } from './deps.ts';
import { runnerIdParam } from './runners.ts';

const ManagerFragment = graphql(`
  fragment RestRunnerManager on CiRunnerManager {
    id systemId version revision platformName architectureName createdAt contactedAt ipAddress status jobExecutionStatus
  }
`);

type ManagerNode = ResultOf<typeof ManagerFragment>;

const RunnerManagers = defineOperation(
  graphql(
    `
  query RestRunnerManagers($id: CiRunnerID!, $after: String) {
    runner(id: $id) {
      managers(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { ...RestRunnerManager }
      }
    }
  }
`,
    [ManagerFragment],
  ),
);

const Unregister = defineOperation(
  graphql(`
  mutation RestUnregisterRunnerManager($input: RunnerManagerUnregisterInput!) { runnerManagerUnregister(input: $input) { errors } }
`),
);

const UNREGISTER_SPECS = { token: { type: 'string', required: true }, system_id: { type: 'string', required: true } } as const;

/** GitLab's `RunnerManager` entity (lib/api/entities/ci/runner_manager.rb), keys in its order. */
function runnerManagerEntity(manager: ManagerNode) {
  return {
    id: numericId(manager.id),
    system_id: manager.systemId,
    version: manager.version,
    revision: manager.revision,
    platform: manager.platformName,
    architecture: manager.architectureName,
    created_at: manager.createdAt,
    contacted_at: manager.contactedAt,
    ip_address: manager.ipAddress,
    status: manager.status?.toLowerCase() ?? null,
    job_execution_status: manager.jobExecutionStatus?.toLowerCase() ?? null,
  };
}

export function runnerManagerRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;
  // GitLab answers every manager at once (the list is not paginated), checked as GET /runners/:id.
  route(
    app,
    deps,
    {
      method: 'GET',
      path: '/runners/:id/managers',
      summary: "List a runner's managers (the hosts using its token)",
      auth: 'user',
      status: 200,
      response: '[RunnerManager]',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const id = runnerIdParam(raw);
      const page = async (after: string | null) => {
        const data = await perform(RunnerManagers, { id: toGlobalId(MODEL_CLASS.runner, id), after }, ctx);
        const managers = data.runner?.managers;
        if (!managers) throw notFound('Runner');
        return managers;
      };
      const managers: ManagerNode[] = [];
      for (let after: string | null = null, more = true; more; ) {
        const { nodes, pageInfo } = await page(after);
        managers.push(...(nodes ?? []).flatMap((node) => (node ? [node] : [])));
        [after, more] = [pageInfo.endCursor, pageInfo.hasNextPage];
      }
      return sendJson(reply, 200, managers.map(runnerManagerEntity));
    },
  );

  // GitLab 16.x+: one host of a runner removes itself, authenticated by the runner's token. As in GitLab 18, the
  // request is no contact of the runner (`authenticate_runner!(ensure_runner_manager: false)`); some 17.x releases
  // recorded one first, which the cleared contact of a last host then undid anyway.
  route(
    app,
    deps,
    {
      method: 'DELETE',
      path: '/runners/managers',
      summary: "Delete a runner manager (one host of a runner) by the runner's authentication token and its system_id",
      auth: 'runner',
      params: UNREGISTER_SPECS,
      status: 204,
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const params = parseParams(raw, UNREGISTER_SPECS);
      const ctx = await contextFor(db, settings, request, { ...raw, private_token: undefined });
      const input = { token: params.token, systemId: params.system_id, unmodifiedSince: unmodifiedSince(request) };
      await perform(Unregister, { input }, ctx);
      return reply.status(204).send();
    },
  );
}
