import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { MODEL_CLASS, toGlobalId } from '../../graphql/ids.ts';
import { numericId } from '../entities.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { notFound, sendJson, userContextFor } from '../http.ts';
import { perform } from '../operations.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
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
}
