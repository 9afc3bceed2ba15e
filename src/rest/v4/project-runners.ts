import type { FastifyInstance } from 'fastify';
import { defineOperation, runOperation } from '../../graphql/execute.ts';
import { RUNNER_FRAGMENT, type RunnerNode, runnerEntity } from '../entities.ts';
import { notFound, RestError, restErrorFrom, sendJson, userContextFor } from '../http.ts';
import { parseParams } from '../params.ts';
import { inIdRange, type RestDeps, requestParams, route, unmodifiedSince } from './deps.ts';
import { resolveNamespace } from './runner-tokens.ts';
import { runnerIdParam } from './runners.ts';

const Assign = defineOperation<{ runnerAssignToProject: { errors: string[] } | null }>(/* GraphQL */ `
  mutation RestAssignRunner($input: RunnerAssignToProjectInput!) { runnerAssignToProject(input: $input) { errors } }
`);

const Unassign = defineOperation<{ runnerUnassignFromProject: { errors: string[] } | null }>(/* GraphQL */ `
  mutation RestUnassignRunner($input: RunnerUnassignFromProjectInput!) { runnerUnassignFromProject(input: $input) { errors } }
`);

const AssignedRunner = defineOperation<{ runner: RunnerNode | null }>(/* GraphQL */ `
  query RestAssignedRunner($id: CiRunnerID!) { runner(id: $id) { ...RestRunner } }
  ${RUNNER_FRAGMENT}
`);

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
      const runnerId = params.runner_id as number;
      if (!inIdRange(runnerId)) throw notFound('Runner');
      const runnerGid = `gid://gitlab/Ci::Runner/${runnerId}`;
      const result = await runOperation(Assign, { input: { runnerId: runnerGid, projectPath: project.fullPath } }, ctx);
      const [failure] = result.errors;
      if (failure) {
        // GitLab answers a repeated assignment with the model's message and the service's reason.
        if (failure.extensions?.code === 'BAD_USER_INPUT') throw new RestError(400, { message: `${failure.message} - runner_error` });
        throw restErrorFrom(failure);
      }
      const runner = await runOperation(AssignedRunner, { id: runnerGid }, ctx);
      if (runner.errors[0]) throw restErrorFrom(runner.errors[0]);
      if (!runner.data?.runner) throw notFound('Runner');
      return sendJson(reply, 201, runnerEntity(runner.data.runner));
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
      const result = await runOperation(
        Unassign,
        {
          input: {
            runnerId: `gid://gitlab/Ci::Runner/${runnerId}`,
            projectPath: project.fullPath,
            unmodifiedSince: unmodifiedSince(request),
          },
        },
        ctx,
      );
      if (result.errors[0]) throw restErrorFrom(result.errors[0]);
      return reply.status(204).send();
    },
  );
}
