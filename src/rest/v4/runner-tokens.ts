import type { FastifyInstance } from 'fastify';
import { defineOperation, type Operation } from '../../graphql/execute.ts';
import type { Context } from '../../graphql/context.ts';
import { numericId } from '../entities.ts';
import { graphql } from '../graphql.ts';
import { contextFor, RestError, sendJson, validationError } from '../http.ts';
import { perform } from '../operations.ts';
import { parseParams, type RawParams } from '../params.ts';
import { type RestDeps, requestParams, route, unmodifiedSince } from './deps.ts';
import { runnerAttributesInput, runnerParams } from './runner-attributes.ts';

// The runner's own side of GitLab's Runners API, authenticated by the token it sends (a registration token, or its
// own): register, unregister, verify and reset its token. The users' side is user-runner-tokens.ts.

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

export const ResetToken = defineOperation(
  graphql(`
  mutation RestResetRunnerToken($input: RunnerAuthenticationTokenResetInput!) {
    runnerAuthenticationTokenReset(input: $input) { token tokenExpiresAt }
  }
`),
);

const TOKEN = { token: { type: 'string', required: true } } as const;

const REGISTER = runnerParams('registrar');
const REGISTER_SPECS = { ...TOKEN, ...REGISTER.specs, info: { type: 'hash' }, ...REGISTER.aliases } as const;

const INFO_KEYS = ['name', 'version', 'revision', 'platform', 'architecture', 'executor'] as const;

/** The string facts of a runner's `info` hash (GitLab's attributes_for_keys: other keys and types are dropped). */
function infoFacts(info: Record<string, unknown> | undefined) {
  return Object.fromEntries(INFO_KEYS.filter((key) => typeof info?.[key] === 'string').map((key) => [key, info?.[key]]));
}

/** Runs a mutation and returns its payload, turning refusals into GitLab's answers. */
export async function mutate<TData, TInput, K extends keyof TData>(
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
export function madeRunner<R>(payload: {
  readonly attributeErrors: readonly { attribute: string | null; message: string | null }[] | null;
  readonly runner?: R | null;
}): R {
  if (payload.attributeErrors?.length) throw validationError(payload.attributeErrors);
  if (!payload.runner) throw new RestError(500, { message: '500 Internal Server Error' });
  return payload.runner;
}

/** GitLab's RunnerRegistrationDetails: what register and verify answer. */
export function registrationDetails(runner: { id: string | null }, payload: { token?: string | null; tokenExpiresAt?: unknown }) {
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
      const params = parseParams(raw, REGISTER_SPECS, { mutuallyExclusive: REGISTER.mutuallyExclusive });
      const payload = await mutate(
        Register,
        { ...runnerAttributesInput(params), token: params.token, info: infoFacts(params.info) },
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
}
