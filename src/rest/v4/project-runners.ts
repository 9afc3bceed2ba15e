import type { FastifyInstance } from 'fastify';
import { defineOperation, runOperation } from '../../graphql/execute.ts';
import { MODEL_CLASS, toGlobalId } from '../../graphql/ids.ts';
import { RunnerFragment, runnerEntity } from '../runner-entities.ts';
import { graphql } from '../graphql.ts';
import { notFound, RestError, restErrorFrom, sendJson, userContextFor } from '../http.ts';
import { perform } from '../operations.ts';
import { parseParams } from '../params.ts';
import { inIdRange, type RestDeps, requestParams, route, unmodifiedSince } from './deps.ts';
import { resolveNamespace } from './namespaces.ts';
import { runnerIdParam } from './runners.ts';

const Assign = defineOperation(
  graphql(`
  mutation RestAssignRunner($input: RunnerAssignToProjectInput!) { runnerAssignToProject(input: $input) { errors } }
`),
);

const Unassign = defineOperation(
  graphql(`
  mutation RestUnassignRunner($input: RunnerUnassignFromProjectInput!) { runnerUnassignFromProject(input: $input) { errors } }
`),
);

const AssignedRunner = defineOperation(
  graphql(`query RestAssignedRunner($id: CiRunnerID!) { runner(id: $id) { ...RestRunner } }`, [RunnerFragment]),
);

const ASSIGN_SPECS = { runner_id: { type: 'integer', required: true } } as const;

export function projectRunnerRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;

  route(
    app,
    deps,
    {
      method: 'POST',
      path: '/projects/:id/runners',
      summary: 'Assign (enable) a project runner in a project',
      auth: 'user',
      params: ASSIGN_SPECS,
      status: 201,
      response: 'Runner',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const params = parseParams(raw, ASSIGN_SPECS);
      const project = await resolveNamespace(ctx, 'project', raw.id);
      const runnerId = params.runner_id;
      if (!inIdRange(runnerId)) throw notFound('Runner');
      const runnerGid = toGlobalId(MODEL_CLASS.runner, runnerId);
      const result = await runOperation(Assign, { input: { runnerId: runnerGid, projectPath: project.fullPath } }, ctx);
      const [failure] = result.errors;
      if (failure) {
        // GitLab answers a repeated assignment with the model's message and the service's reason.
        if (failure.extensions?.code === 'BAD_USER_INPUT') throw new RestError(400, { message: `${failure.message} - runner_error` });
        throw restErrorFrom(failure);
      }
      const { runner } = await perform(AssignedRunner, { id: runnerGid }, ctx);
      if (!runner) throw notFound('Runner');
      return sendJson(reply, 201, runnerEntity(runner));
    },
  );

  route(
    app,
    deps,
    {
      method: 'DELETE',
      path: '/projects/:id/runners/:runner_id',
      summary: 'Unassign (disable) a runner from a project',
      auth: 'user',
      status: 204,
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const runnerId = runnerIdParam(raw, 'runner_id');
      const project = await resolveNamespace(ctx, 'project', raw.id);
      await perform(
        Unassign,
        {
          input: {
            runnerId: toGlobalId(MODEL_CLASS.runner, runnerId),
            projectPath: project.fullPath,
            unmodifiedSince: unmodifiedSince(request),
          },
        },
        ctx,
      );
      return reply.status(204).send();
    },
  );
}
