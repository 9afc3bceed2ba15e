import type { FastifyInstance } from 'fastify';
import { defineOperation, type Operation } from '../../graphql/execute.ts';
import type { Context } from '../../graphql/context.ts';
import { MODEL_CLASS, toGlobalId } from '../../graphql/ids.ts';
import { numericId } from '../entities.ts';
import { graphql } from '../graphql.ts';
import { badRequest, contextFor, RestError, sendJson, userContextFor, validationError } from '../http.ts';
import { perform } from '../operations.ts';
import { parseParams, type RawParams, upper } from '../params.ts';
import { type RestDeps, requestParams, route, unmodifiedSince } from './deps.ts';
import { namespaceRef } from './namespaces.ts';
import { RUNNER_ATTRIBUTE_SPECS, runnerAttributesInput } from './runner-attributes.ts';
import { runnerIdParam } from './runners.ts';

const Register = defineOperation(
  graphql(`
  mutation RestRegisterRunner($input: RunnerRegisterInput!) {
    runnerRegister(input: $input) { runner { id } token tokenExpiresAt attributeErrors { attribute message } }
  }
`),
);

const Unregister = defineOperation(
  graphql(`
  mutation RestUnregisterRunner($input: RunnerUnregisterInput!) { runnerUnregister(input: $input) { errors } }
`),
);

const Verify = defineOperation(
  graphql(`
  mutation RestVerifyRunner($input: RunnerVerifyInput!) {
    runnerVerify(input: $input) { runner { id } token tokenExpiresAt attributeErrors { attribute message } }
  }
`),
);

const ResetToken = defineOperation(
  graphql(`
  mutation RestResetRunnerToken($input: RunnerAuthenticationTokenResetInput!) {
    runnerAuthenticationTokenReset(input: $input) { token tokenExpiresAt }
  }
`),
);

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

const NamespaceId = defineOperation(
  graphql(`
  query RestNamespaceId($projectId: ProjectID, $projectPath: ID, $groupId: GroupID, $groupPath: ID, $isProject: Boolean!) {
    project(id: $projectId, fullPath: $projectPath) @include(if: $isProject) { id fullPath }
    group(id: $groupId, fullPath: $groupPath) @skip(if: $isProject) { id fullPath }
  }
`),
);

const TOKEN = { token: { type: 'string', required: true } } as const;

const REGISTER_SPECS = {
  ...TOKEN,
  ...RUNNER_ATTRIBUTE_SPECS,
  info: { type: 'hash' },
  maintainer_note: { type: 'string' },
} as const;

// GitLab's POST /user/runners takes the settings but not the deprecated `active`.
const { active: _active, ...CREATE_ATTRIBUTE_SPECS } = RUNNER_ATTRIBUTE_SPECS;
const CREATE_SPECS = {
  runner_type: { type: 'string', required: true, values: ['instance_type', 'group_type', 'project_type'] },
  group_id: { type: 'integer' },
  project_id: { type: 'integer' },
  ...CREATE_ATTRIBUTE_SPECS,
} as const;

const INFO_KEYS = ['name', 'version', 'revision', 'platform', 'architecture', 'executor'] as const;

/** The string facts of a runner's `info` hash (GitLab's attributes_for_keys: other keys and types are dropped). */
function infoFacts(info: Record<string, unknown> | undefined) {
  return Object.fromEntries(INFO_KEYS.filter((key) => typeof info?.[key] === 'string').map((key) => [key, info?.[key]]));
}

/** Runs a mutation and returns its payload, turning refusals into GitLab's answers. */
async function mutate<TData, TInput, K extends keyof TData>(
  operation: Operation<TData, { input: TInput }>,
  input: TInput,
  ctx: Context,
  field: K,
): Promise<NonNullable<TData[K]>> {
  const payload = (await perform(operation, { input }, ctx))[field];
  if (!payload) throw new RestError(500, { message: '500 Internal Server Error' });
  return payload;
}

/** The runner a runner-creating mutation made, or GitLab's 400 with its attribute errors. */
function madeRunner<R>(payload: {
  readonly attributeErrors: readonly { attribute: string | null; message: string | null }[] | null;
  readonly runner?: R | null;
}): R {
  if (payload.attributeErrors?.length) throw validationError(payload.attributeErrors);
  if (!payload.runner) throw new RestError(500, { message: '500 Internal Server Error' });
  return payload.runner;
}

/** GitLab's RunnerRegistrationDetails: what register and verify answer. */
function registrationDetails(runner: { id: string | null }, payload: { token?: string | null; tokenExpiresAt?: unknown }) {
  return { id: numericId(runner.id), token: payload.token, token_expires_at: payload.tokenExpiresAt };
}

export function runnerTokenRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;
  const anonymous = (request: Parameters<typeof requestParams>[0], raw: RawParams) =>
    contextFor(db, settings, request, { ...raw, private_token: undefined });

  route(
    app,
    deps,
    {
      method: 'POST',
      path: '/runners',
      summary: 'Register a runner with a registration token',
      auth: 'registration',
      params: REGISTER_SPECS,
      status: 201,
      response: 'RunnerRegistrationDetails',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const params = parseParams(raw, REGISTER_SPECS, {
        mutuallyExclusive: [
          ['active', 'paused'],
          ['maintainer_note', 'maintenance_note'],
        ],
      });
      const payload = await mutate(
        Register,
        {
          ...runnerAttributesInput(params),
          token: params.token,
          info: infoFacts(params.info),
          // GitLab still takes the old name and copies it over.
          maintenanceNote: params.maintenance_note ?? params.maintainer_note,
        },
        await anonymous(request, raw),
        'runnerRegister',
      );
      return sendJson(reply, 201, registrationDetails(madeRunner(payload), payload));
    },
  );

  route(
    app,
    deps,
    {
      method: 'DELETE',
      path: '/runners',
      summary: 'Delete a registered runner by its authentication token',
      auth: 'runner',
      params: TOKEN,
      status: 204,
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const params = parseParams(raw, TOKEN);
      await mutate(
        Unregister,
        { token: params.token, unmodifiedSince: unmodifiedSince(request) },
        await anonymous(request, raw),
        'runnerUnregister',
      );
      return reply.status(204).send();
    },
  );

  // `info` is not declared by GitLab's verify, but its heartbeat reads it from the request all the same.
  const VERIFY_SPECS = { ...TOKEN, system_id: { type: 'string' }, info: { type: 'hash' } } as const;
  route(
    app,
    deps,
    {
      method: 'POST',
      path: '/runners/verify',
      summary: "Verify a runner's authentication token (a contact of its manager)",
      auth: 'runner',
      params: VERIFY_SPECS,
      status: 200,
      response: 'RunnerRegistrationDetails',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const params = parseParams(raw, VERIFY_SPECS);
      const payload = await mutate(
        Verify,
        {
          token: params.token,
          systemId: params.system_id,
          info: infoFacts(params.info),
          ipAddress: request.ip,
        },
        await anonymous(request, raw),
        'runnerVerify',
      );
      return sendJson(reply, 200, registrationDetails(madeRunner(payload), payload));
    },
  );

  route(
    app,
    deps,
    {
      method: 'POST',
      path: '/runners/reset_authentication_token',
      summary: "Reset a runner's token, authenticated by that token",
      auth: 'runner',
      params: TOKEN,
      status: 201,
      response: 'ResetTokenResult',
    },
    async (request, reply) => {
      const raw = requestParams(request);
      const params = parseParams(raw, TOKEN);
      const payload = await mutate(ResetToken, { token: params.token }, await anonymous(request, raw), 'runnerAuthenticationTokenReset');
      return sendJson(reply, 201, { token: payload.token, token_expires_at: payload.tokenExpiresAt });
    },
  );

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

/** The global ID of a project or group named by `:id` (numeric or path), or GitLab's 404 when it is not visible. */
export async function resolveNamespace(ctx: Context, kind: 'project' | 'group', id: unknown): Promise<{ id: string; fullPath: string }> {
  const ref = namespaceRef(id, kind === 'project' ? 'Project' : 'Group');
  const data = await perform(
    NamespaceId,
    kind === 'project'
      ? { isProject: true, projectId: ref.id, projectPath: ref.fullPath }
      : { isProject: false, groupId: ref.id, groupPath: ref.fullPath },
    ctx,
  );
  const found = kind === 'project' ? data.project : data.group;
  if (!found?.id || !found.fullPath) throw new RestError(404, { message: `404 ${kind === 'project' ? 'Project' : 'Group'} Not Found` });
  return { id: found.id, fullPath: found.fullPath };
}
