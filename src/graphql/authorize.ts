import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type PothosOutputFieldType, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import type { RunnerFacts } from '../auth/runner-policy.ts';
import type { TokenScope } from '../db/generated/enums.ts';
import type { Context } from './context.ts';
import { insufficientScope } from '../errors.ts';

/** Runs a runner policy check; admins pass at once, so they never pay for loading the runner's facts. */
export async function runnerAllowed(ctx: Context, runnerId: number, check: (facts: RunnerFacts) => Promise<boolean>): Promise<boolean> {
  if (ctx.access.isAdmin) return true;
  const facts = await ctx.runnerFacts.load(runnerId);
  return facts !== null && check(facts);
}

/** The scopes that read the API at large (GitLab's GraphQL accepts no others). */
const BROAD_SCOPES: readonly TokenScope[] = ['api', 'read_api'];

/**
 * Where a `manage_runner` or `create_runner` token may go beyond a value: the runner it acts on (the root field and
 * mutations decide which runner, by their own scopes) and what GitLab's runner answers carry about it (its
 * projects and groups, its jobs as `GET /runners/:id/jobs` lists them, who created it). Every other object
 * reference (a project's runners or pipelines, a group's parent or runners, a pipeline's jobs, a job's runner, the
 * current user) is refused to such tokens, so a narrow token reads nothing the runner operations do not show.
 */
const NARROW_TOKEN_REACH: ReadonlySet<string> = new Set([
  'Query.runner',
  'CiRunner.createdBy',
  'CiRunner.userPermissions',
  'CiRunner.projects',
  'CiRunner.groups',
  'CiRunner.ownerProject',
  'CiRunner.jobs',
  'CiRunner.managers',
  'CiJob.user',
  'CiJob.detailedStatus',
  'DetailedStatus.action',
  'CiJob.commit',
  'CiJob.pipeline',
  'CiJob.project',
  'Pipeline.commit',
  'Pipeline.project',
  'Pipeline.user',
]);

/**
 * The refusal of a token whose scopes do not fit, naming the scopes that would. GitLab REST takes `read_api` on GET
 * and HEAD only, so on a write route naming it would mislead.
 */
export function scopeRefusal(ctx: Context, accepted: readonly string[]) {
  return insufficientScope(ctx.transport.readApiAccepted ? accepted : accepted.filter((scope) => scope !== 'read_api'));
}

/** Whether a token may read only what the runner operations show: it has neither `api` nor `read_api`. */
export function isNarrowToken(scopes: readonly TokenScope[]): boolean {
  return !scopes.some((scope) => BROAD_SCOPES.includes(scope));
}

function returnsValue(type: PothosOutputFieldType<SchemaTypes>): boolean {
  if (type.kind === 'List') return returnsValue(type.type);
  return type.kind === 'Scalar' || type.kind === 'Enum';
}

/** Connection plumbing and mutation payloads lead only where the field that returned them was allowed to. */
function isPlumbing(parentType: string): boolean {
  return /(Connection|Edge|Payload)$/.test(parentType) || parentType === 'PageInfo';
}

function narrowTokenMayFollow(config: PothosOutputFieldConfig<SchemaTypes>): boolean {
  if (config.parentType === 'Mutation') return true; // each mutation's own scopes decide
  if (returnsValue(config.type) || isPlumbing(config.parentType)) return true;
  return NARROW_TOKEN_REACH.has(`${config.parentType}.${config.name}`);
}

/**
 * Two request-wide guards, applied to every field when the schema is built:
 * - a token's scopes bound the whole request, not only its root field: fields a narrow token may not follow
 *   refuse it (INSUFFICIENT_SCOPE), wherever in the query they are;
 * - every mutation decides on fresh state: the context forgets what it loaded before the write, and after it; and
 *   it answers only once this process's caches have heard of its write (`caughtUp`).
 */
export class RequestGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (fieldConfig.parentType === 'Mutation') {
      return async (parent, args, context, info) => {
        const ctx = context as Context;
        await ctx.beforeWrite();
        try {
          return await resolver(parent, args, context, info);
        } finally {
          await ctx.afterWrite();
        }
      };
    }
    if (narrowTokenMayFollow(fieldConfig as PothosOutputFieldConfig<SchemaTypes>)) return resolver;
    return (parent, args, context, info) => {
      const ctx = context as Context;
      if (ctx.viewer && isNarrowToken(ctx.viewer.scopes)) throw scopeRefusal(ctx, BROAD_SCOPES);
      return resolver(parent, args, context, info);
    };
  }
}

export const requestGuardPlugin = 'requestGuard' as const;
SchemaBuilder.registerPlugin(requestGuardPlugin, RequestGuardPlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      requestGuard: RequestGuardPlugin<Types>;
    }
  }
}
