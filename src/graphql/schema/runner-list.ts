import type { Prisma } from '../../db/generated/client.ts';
import { type RunnerFilter, type RunnerSort, runnerFilterWhere, runnerOrderBy, runnerTaggingWhere } from '../../runners/filters.ts';
import { countedKind, fleetCount } from '../../runners/fleet-counts.ts';
import {
  type MembershipLookups,
  membershipLookups,
  type RunnerScope,
  scopeListWhere,
  scopeListWhereByType,
  takesWholeType,
} from '../../runners/scopes.ts';
import { staleArms } from '../../runners/status.ts';
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

/** Per request: the membership lookups of every list, count and the read rule, each made once (see MembershipLookups). */
const lookupsOf = new WeakMap<Context, MembershipLookups>();

function lookups(ctx: Context): MembershipLookups {
  const found = lookupsOf.get(ctx) ?? membershipLookups(ctx.db);
  lookupsOf.set(ctx, found);
  return found;
}

/**
 * Every runner list is narrowed to the runners the viewer may read through `runner(id)`, in the query itself, so
 * no list returns a runner its own field would refuse and `count` agrees with the pages. The read rule is a scope
 * too: its membership arms are looked up by id as the list's are (no `EXISTS` re-read for every runner the list
 * names). `scope` null: every runner (the admin's list); `also`: a further condition of the list itself.
 */
async function where(ctx: Context, scope: RunnerScope | null, args: RunnerListArgs, also?: Prisma.RunnerWhereInput) {
  const readable = (await ctx.policy.readRule()).scope;
  const and: Prisma.RunnerWhereInput[] = [runnerFilterWhere(args)];
  if (readable) and.unshift(await scopeListWhere(lookups(ctx), readable));
  if (scope) and.unshift(await scopeListWhere(lookups(ctx), scope));
  if (also) and.push(also);
  return { AND: and };
}

/**
 * The list's `where` as disjoint sets, one per runner type its scope and the read rule share (see
 * scopeListWhereByType), when the scope takes a type whole; otherwise, or when an arm spans types, the whole `where`.
 */
async function whereByType(ctx: Context, scope: RunnerScope | null, args: RunnerListArgs, also?: Prisma.RunnerWhereInput) {
  if (!scope || !takesWholeType(scope)) return [await where(ctx, scope, args, also)];
  const readable = (await ctx.policy.readRule()).scope;
  const [types, readableTypes] = await Promise.all([
    scopeListWhereByType(lookups(ctx), scope),
    readable ? scopeListWhereByType(lookups(ctx), readable) : undefined,
  ]);
  if (!types || readableTypes === null) return [await where(ctx, scope, args, also)];
  const rest = [runnerFilterWhere(args), ...(also ? [also] : [])];
  return [...types].flatMap(([type, arms]) => {
    if (!readableTypes) return [{ AND: [arms, ...rest] }];
    // A type the read rule does not reach holds no runner the viewer may count.
    const allowed = readableTypes.get(type);
    return allowed ? [{ AND: [arms, allowed, ...rest] }] : [];
  });
}

type RunnerQuery = {
  include?: Prisma.RunnerInclude;
  select?: Prisma.RunnerSelect;
  skip?: number;
  take?: number;
  cursor?: Prisma.RunnerWhereUniqueInput;
};

/**
 * Whether a page should take its ids first even without an offset: one runner type, in id order (REST's lists).
 * In one statement the planner walks the primary key and filters on the type, expecting the type's share of every
 * id range; where types came in waves (as in the benchmark's data set, or a fleet that added group runners later)
 * it reads tens of thousands of other runners first. The ids alone are an index-only scan of (runnerType, id),
 * the same cost whatever the order of ids.
 */
function oneTypeById(args: RunnerListArgs): boolean {
  const types = args.type ? [args.type] : (args.types ?? []);
  return new Set(types).size === 1 && (args.sort ?? 'created_desc') === 'id_asc';
}

/**
 * Whether the scope names runners by id (those reached through memberships): PostgreSQL then reads each of them by
 * its key and sorts them, and in one statement it would build every one's relations (creator, running job) before
 * the sort keeps a page of them (a group Owner's 300 runners: 3,000 buffers for 20 rows). Ids first sorts ids only.
 */
const viaMemberships = (scope: RunnerScope | null) => Boolean(scope?.viaProjects || scope?.viaGroups);

/**
 * A page of runners from `scope`, filtered and sorted as the arguments say; `query` is Pothos's selection.
 * An offset page takes its ids first, on the sort's index, and only then loads those rows with their relations:
 * in one statement PostgreSQL would build the relations of every skipped row too.
 */
export async function findRunners(
  ctx: Context,
  query: RunnerQuery,
  scope: RunnerScope | null,
  args: RunnerListArgs,
  also?: Prisma.RunnerWhereInput,
) {
  const paged = withOffset(query, args.offset, 'cursor' in query && query.cursor !== undefined);
  const filter = await where(ctx, scope, args, also);
  const orderBy = runnerOrderBy(args.sort);
  // A search's matches come from the trigram index unordered, and are sorted like a scope's (see viaMemberships).
  const idsFirst = paged.skip || oneTypeById(args) || viaMemberships(scope) || Boolean(args.search);
  if (paged.cursor !== undefined || !idsFirst) return ctx.db.runner.findMany({ ...paged, where: filter, orderBy });
  const { skip, take, cursor: _cursor, ...selection } = paged;
  const ids = await ctx.db.runner.findMany({ where: filter, orderBy, skip, take, select: { id: true } });
  if (!ids.length) return [];
  return ctx.db.runner.findMany({ ...selection, where: { id: { in: ids.map((row) => row.id) } }, orderBy });
}

/** `limit`: count at most limit + 1 runners (see src/graphql/count-limit.ts). */
export async function countRunners(
  ctx: Context,
  scope: RunnerScope | null,
  args: RunnerListArgs,
  limit: number | undefined,
  also?: Prisma.RunnerWhereInput,
): Promise<number> {
  const cap = (total: number) => (limit === undefined ? total : Math.min(total, limit + 1));
  // The whole fleet, or one type or paused state of it, as someone who reads every runner: the kept counts answer;
  // one tag of it, likewise: its taggings are its runners.
  const wholeFleet = scope === null && also === undefined && (await ctx.policy.readRule()).scope === null;
  const kind = wholeFleet ? countedKind(args) : null;
  if (kind) return cap(await fleetCount(ctx.db, kind));
  const tagged = wholeFleet ? runnerTaggingWhere(args) : null;
  if (tagged) return ctx.db.runnerTagging.count({ where: tagged, ...(limit === undefined ? {} : { take: limit + 1 }) });
  const take: { take?: number; orderBy?: Prisma.RunnerOrderByWithRelationInput[] } = limit === undefined ? {} : { take: limit + 1 };
  // A limited count is taken in some order, and which rows come first does not change it. Online and offline are
  // ranges of the contact index: read in its order they are counted without the table, where in id order PostgreSQL
  // would fetch each runner to test its contact time. Otherwise (runnerType, id), not Prisma's default id: a scope
  // with a whole type in it (a group's list with the instance's 10,000 runners) is then an ordered index-only walk
  // that stops at limit + 1, where in id order PostgreSQL gathered the scope in parallel workers and sorted it.
  if (limit !== undefined) {
    const contact = args.status === 'online' || args.status === 'offline';
    take.orderBy = contact ? runnerOrderBy('contacted_desc') : [{ runnerType: 'asc' }, { id: 'asc' }];
  }
  // Counted as disjoint sets where one statement would gather and sort them: the runner types (see whereByType),
  // and stale runners' two ranges (see staleArms), each set on an index alone.
  const stale = args.status === 'stale';
  const types = await whereByType(ctx, scope, stale ? { ...args, status: null } : args, also);
  const sets = types.flatMap((type) => (stale ? staleArms().map((arm) => ({ AND: [type, arm] })) : [type]));
  const counts = await Promise.all(sets.map((set) => ctx.db.runner.count({ where: set, ...take })));
  return cap(counts.reduce((sum, count) => sum + count, 0));
}
