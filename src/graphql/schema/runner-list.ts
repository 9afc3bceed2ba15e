import type { Prisma } from '../../db/generated/client.ts';
import { type RunnerFilter, type RunnerSort, runnerFilterWhere, runnerOrderBy } from '../../runners/filters.ts';
import { builder } from '../builder.ts';
import { badInput } from '../../errors.ts';
import type { Context } from '../context.ts';
import { CiRunnerSort, CiRunnerStatus, CiRunnerType } from './enums.ts';

/** The filters every runner list takes (GitLab's RunnersResolver arguments). */
export const runnerListArgs = builder.args((t) => ({
  paused: t.boolean({ description: 'Only paused (true) or only active (false) runners.' }),
  status: t.field({ type: CiRunnerStatus, description: 'Filter runners by status.' }),
  type: t.field({ type: CiRunnerType, description: 'Filter runners by type.' }),
  types: t.field({ type: [CiRunnerType], description: "Runners of any of these types (GitLab REST's `scope=specific`)." }),
  tagList: t.stringList({ description: 'Runners that carry all of these tags.' }),
  search: t.string({ description: 'Part of the description, or the full runner token.' }),
  sort: t.field({ type: CiRunnerSort, description: 'Sort order of results (default CREATED_DESC).' }),
  versionPrefix: t.string({ description: 'Runners whose version starts with these components, e.g. "16." or "15.0".' }),
  creatorId: t.field({ type: 'UserID', description: 'Runners created by this user.' }),
  creatorUsername: t.string({ description: 'Runners created by the user with this username.' }),
  offset: t.int({
    description:
      "Skip this many runners instead of paging by cursor: offset paging, as GitLab REST's `page`. Prefer cursors for deep pages.",
  }),
}));

type RunnerListArgs = RunnerFilter & { sort?: RunnerSort | null; offset?: number | null };

const MAX_OFFSET = 1_000_000;

/** Applies `offset` to Pothos's cursor query; offset and cursors cannot be mixed. */
export function withOffset<Q extends { skip?: number; cursor?: unknown }>(
  query: Q,
  offset: number | null | undefined,
  hasCursor: boolean,
): Q {
  if (offset === null || offset === undefined) return query;
  if (offset < 0 || offset > MAX_OFFSET) throw badInput(`offset must be between 0 and ${MAX_OFFSET}`, 'offset');
  if (hasCursor) throw badInput('offset cannot be combined with after or before', 'offset');
  return { ...query, skip: offset };
}

/**
 * Every runner list is narrowed to the runners the viewer may read through `runner(id)`, in the query itself, so
 * no list returns a runner its own field would refuse and `count` agrees with the pages.
 */
async function where(ctx: Context, base: Prisma.RunnerWhereInput, args: RunnerListArgs): Promise<Prisma.RunnerWhereInput> {
  return { AND: [base, await ctx.policy.readableWhere(), runnerFilterWhere(args)] };
}

/** A page of runners from `base`, filtered and sorted as the arguments say; `query` is Pothos's selection. */
export async function findRunners(
  ctx: Context,
  query: { include?: Prisma.RunnerInclude; select?: Prisma.RunnerSelect; skip?: number; cursor?: Prisma.RunnerWhereUniqueInput },
  base: Prisma.RunnerWhereInput,
  args: RunnerListArgs,
) {
  return ctx.db.runner.findMany({
    ...withOffset(query, args.offset, 'cursor' in query && query.cursor !== undefined),
    where: await where(ctx, base, args),
    orderBy: runnerOrderBy(args.sort),
  });
}

export async function countRunners(ctx: Context, base: Prisma.RunnerWhereInput, args: RunnerListArgs): Promise<number> {
  return ctx.db.runner.count({ where: await where(ctx, base, args) });
}
