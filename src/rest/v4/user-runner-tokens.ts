import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { MODEL_CLASS, toGlobalId } from '../../graphql/ids.ts';
import { graphql } from '../graphql.ts';
import { badRequest, sendJson, userContextFor } from '../http.ts';
import { parseParams, upper } from '../params.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
import { resolveNamespace } from './namespaces.ts';
import { runnerAttributesInput, runnerParams } from './runner-attributes.ts';
import { madeRunner, mutate, registrationDetails, ResetToken } from './runner-tokens.ts';
import { runnerIdParam } from './runners.ts';

// The users' side of runner tokens (a personal access token authenticates): creating a runner and getting its
// `glrt-` token, resetting a runner's token by id, and resetting the registration tokens of the instance, a group
// or a project. The runner's own side is runner-tokens.ts.

const ResetRegistrationToken = defineOperation(
  graphql(`
  mutation RestResetRegistrationToken($input: RunnersRegistrationTokenResetInput!) {
    runnersRegistrationTokenReset(input: $input) { token }
  }
`),
);

const CreateRunner = defineOperation(
  graphql(`
  mutation RestCreateRunner($input: RunnerCreateInput!) {
    runnerCreate(input: $input) { runner { id ephemeralAuthenticationToken tokenExpiresAt } attributeErrors { attribute message } }
  }
`),
);

const CREATE_SPECS = {
  runner_type: { type: 'string', required: true, values: ['instance_type', 'group_type', 'project_type'] },
  group_id: { type: 'integer' },
  project_id: { type: 'integer' },
  ...runnerParams('creator').specs,
} as const;

export function userRunnerTokenRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;

  route(
    app,
    deps,
    {
      method: 'POST',
      path: '/runners/:id/reset_authentication_token',
      summary: "Reset a runner's authentication token",
      auth: 'user',
      status: 201,
      response: 'ResetTokenResult',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const id = runnerIdParam(raw);
      const payload = await mutate(ResetToken, { id: toGlobalId(MODEL_CLASS.runner, id) }, ctx, 'runnerAuthenticationTokenReset');
      return sendJson(reply, 201, { token: payload.token, token_expires_at: payload.tokenExpiresAt });
    },
  );

  route(
    app,
    deps,
    {
      method: 'POST',
      path: '/user/runners',
      summary: 'Create a runner and get its glrt- token',
      auth: 'user',
      params: CREATE_SPECS,
      status: 201,
      response: 'RunnerRegistrationDetails',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const params = parseParams(raw, CREATE_SPECS);
      if (params.runner_type === 'group_type' && params.group_id === undefined) throw badRequest('group_id is missing');
      if (params.runner_type === 'project_type' && params.project_id === undefined) throw badRequest('project_id is missing');
      const payload = await mutate(
        CreateRunner,
        {
          runnerType: upper(params.runner_type ?? 'instance_type'),
          groupId: params.runner_type === 'group_type' ? toGlobalId(MODEL_CLASS.group, params.group_id ?? 0) : undefined,
          projectId: params.runner_type === 'project_type' ? toGlobalId(MODEL_CLASS.project, params.project_id ?? 0) : undefined,
          ...runnerAttributesInput(params),
        },
        ctx,
        'runnerCreate',
      );
      const runner = madeRunner(payload);
      return sendJson(
        reply,
        201,
        registrationDetails(runner, { token: runner.ephemeralAuthenticationToken, tokenExpiresAt: runner.tokenExpiresAt }),
      );
    },
  );

  route(
    app,
    deps,
    {
      method: 'POST',
      path: '/runners/reset_registration_token',
      summary: "Reset the instance's registration token (administrators)",
      auth: 'user',
      status: 201,
      response: 'ResetTokenResult',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const ctx = await userContextFor(db, settings, request, raw);
      const payload = await mutate(ResetRegistrationToken, { type: 'INSTANCE_TYPE' }, ctx, 'runnersRegistrationTokenReset');
      return sendJson(reply, 201, { token: payload.token, token_expires_at: null });
    },
  );

  for (const kind of ['project', 'group'] as const) {
    route(
      app,
      deps,
      {
        method: 'POST',
        path: `/${kind}s/:id/runners/reset_registration_token`,
        summary: `Reset a ${kind}'s runner registration token`,
        auth: 'user',
        status: 201,
        response: 'ResetTokenResult',
      },
      async (request, reply) => {
        const raw = requestParams(request);
        const ctx = await userContextFor(db, settings, request, raw);
        const { id: namespaceId } = await resolveNamespace(ctx, kind, raw.id);
        const payload = await mutate(
          ResetRegistrationToken,
          { type: kind === 'project' ? 'PROJECT_TYPE' : 'GROUP_TYPE', id: namespaceId },
          ctx,
          'runnersRegistrationTokenReset',
        );
        return sendJson(reply, 201, { token: payload.token, token_expires_at: null });
      },
    );
  }
}
