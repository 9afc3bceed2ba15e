import SchemaBuilder from '@pothos/core';
import PrismaPlugin, { type PrismaObjectRef } from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { type AuthFailure, AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { TokenScope } from '../db/generated/enums.ts';
import type PrismaTypes from '../db/generated/pothos-types.ts';
import { getDatamodel } from '../db/generated/pothos-types.ts';
import { requestGuardPlugin, scopeRefusal } from './authorize.ts';
import type { Context } from './context.ts';
import { forbidden, unauthenticated } from '../errors.ts';
import { domainErrorsPlugin } from './errors.ts';
import { globalIdScalar, MODEL_CLASS } from './ids.ts';

type IdScalar = { Input: number; Output: number };

/** The token scopes a refused field would have accepted, when it was the token's scopes that failed. */
function tokenScopeFailure(failure: AuthFailure): readonly string[] | null {
  if (failure.kind === AuthScopeFailureType.AuthScope && failure.scope === 'token') return failure.parameter as readonly string[];
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    for (const child of failure.failures) {
      const scopes = tokenScopeFailure(child);
      if (scopes) return scopes;
    }
  }
  return null;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { authenticated: boolean; admin: boolean; token: readonly TokenScope[] };
  Scalars: {
    Time: { Input: Date; Output: Date };
    CiRunnerID: IdScalar;
    CiRunnerManagerID: IdScalar;
    JobID: IdScalar;
    CiBuildID: IdScalar;
    CiPipelineID: IdScalar;
    ProjectID: IdScalar;
    GroupID: IdScalar;
    UserID: IdScalar;
    /** Any JSON value, for the attribute values of audit events. */
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // Domain errors become GraphQL errors outermost, around every other wrapper. Then the request-wide guards (token
  // reach, fresh state for writes), then scope-auth: their wrappers must run before any other plugin's resolver logic.
  plugins: [domainErrorsPlugin, requestGuardPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    authScopes: ({ viewer }) => ({
      authenticated: viewer !== null,
      admin: viewer?.admin ?? false,
      // A personal access token is accepted where one of its scopes is among those the field accepts.
      token: (accepted) => viewer?.scopes.some((scope) => accepted.includes(scope)) ?? false,
    }),
    unauthorizedError: (_parent, ctx, _info, result) => {
      if (!ctx.viewer) return unauthenticated('missing');
      const scopes = tokenScopeFailure(result.failure);
      return scopes ? scopeRefusal(ctx, scopes) : forbidden();
    },
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    maxConnectionSize: 100, // GitLab's default_max_page_size
    defaultConnectionSize: 100,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'optional', // GitLab's mutations accept and echo it
    cursorType: 'String',
    nodeQueryOptions: false, // GitLab has no `node` root field, and each root field guards its own rows
    nodesQueryOptions: false,
    nodesOnConnection: true,
  },
});

builder.queryType();
builder.mutationType();

builder.addScalarType('Time', new GraphQLScalarType({ ...DateTimeResolver.toConfig(), name: 'Time' }), {});
builder.addScalarType('CiRunnerID', globalIdScalar('CiRunnerID', MODEL_CLASS.runner), {});
builder.addScalarType('CiRunnerManagerID', globalIdScalar('CiRunnerManagerID', MODEL_CLASS.runnerManager), {});
builder.addScalarType('JobID', globalIdScalar('JobID', MODEL_CLASS.job), {});
// GitLab's `GlobalIDType[::Ci::Build]`, the type of `ciJobStatusUpdated(jobId:)`; the same ids as JobID.
builder.addScalarType('CiBuildID', globalIdScalar('CiBuildID', MODEL_CLASS.job), {});
builder.addScalarType('CiPipelineID', globalIdScalar('CiPipelineID', MODEL_CLASS.pipeline), {});
builder.addScalarType('ProjectID', globalIdScalar('ProjectID', MODEL_CLASS.project), {});
builder.addScalarType('GroupID', globalIdScalar('GroupID', MODEL_CLASS.group), {});
builder.addScalarType('UserID', globalIdScalar('UserID', MODEL_CLASS.user), {});
builder.addScalarType('JSON', JSONResolver, {});

/** Token scopes each kind of root field accepts (GitLab: `api` for all, `read_api` for reads). */
export const READ: readonly TokenScope[] = ['api', 'read_api'];
export const WRITE: readonly TokenScope[] = ['api'];
/** GitLab's `manage_runner` scope reaches the operations on one runner, by its id. */
export const READ_RUNNER: readonly TokenScope[] = ['api', 'read_api', 'manage_runner'];
export const MANAGE_RUNNER: readonly TokenScope[] = ['api', 'manage_runner'];
export const CREATE_RUNNER: readonly TokenScope[] = ['api', 'create_runner'];

/** The builder's type parameters, for annotating refs that reference each other across modules. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
/** An explicit ref type for a Prisma-backed object, which breaks TypeScript's inference cycles between modules. */
export type PrismaRef<Model extends keyof PrismaTypes> = PrismaObjectRef<Types, PrismaTypes[Model], PrismaTypes[Model]['Shape']>;
