import { prismaConnectionHelpers, queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import type { Job, Prisma } from '../../db/generated/client.ts';
import type { JobStatus } from '../../db/generated/enums.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { visibleJobsWhere } from './job.ts';

// How CiRunner's connections load their pages: both connection paths planned, keyset pages of a runner's jobs,
// offset pages ids first.

const CONNECTION_PATHS = [[{ name: 'nodes' }], [{ name: 'edges' }, { name: 'node' }]];

/**
 * Connection helpers plan the fields selected under `edges.node` only; a client reading `nodes` would get an
 * empty selection. This plans both, as Pothos's own relatedConnection does.
 */
export function bothConnectionPaths<F extends (selection?: never, path?: never) => unknown>(nestedSelection: F, type: string): F {
  // The runtime accepts an IndirectInclude (type + alternative paths) where the typed signature says PathSegment[].
  const include = { getType: () => type, paths: CONNECTION_PATHS } as never;
  return ((selection?: never) => nestedSelection(selection, include)) as F;
}

export const runnerJobs = prismaConnectionHelpers(builder, 'Job', { cursor: 'id' });

/**
 * A forward page after a cursor, as an id bound (`id > cursor`) rather than Prisma's `cursor`: Prisma cannot load
 * relations by join under a nested `cursor`, so a page 10,000 jobs deep cost one statement per relation (eight)
 * where the first page costs one. The bound is the same index seek on (runnerId, id); backward pages keep `cursor`.
 */
export function keysetAfter<Q extends { cursor?: { id?: number }; skip?: number; take?: number }>(query: Q, order: 'asc' | 'desc') {
  const { cursor, skip, ...rest } = query;
  const id = cursor?.id;
  if (id === undefined || skip !== 1 || (rest.take ?? 0) <= 0) return { query, after: null };
  const after: Prisma.JobWhereInput = { id: order === 'asc' ? { gt: id } : { lt: id } };
  return { query: { ...rest, skip: 0 }, after };
}

/**
 * An offset page of a runner's jobs: the page's ids first, on the (runnerId, id) index, then those jobs with what
 * the query selects of them. Loaded in one statement, PostgreSQL would build every skipped job's relations and
 * JSON before the offset dropped them (page 500 of a busy runner: seconds).
 */
export async function offsetJobs(
  ctx: Context,
  info: GraphQLResolveInfo,
  runnerId: number,
  where: Prisma.JobWhereInput,
  order: 'asc' | 'desc',
  page: { skip?: number; take?: number },
): Promise<Job[]> {
  const filter = { AND: [{ runnerId }, where] };
  const ids = await ctx.db.job.findMany({ where: filter, orderBy: { id: order }, skip: page.skip, take: page.take, select: { id: true } });
  if (!ids.length) return [];
  // The selection under `nodes` and `edges.node`, as `bothConnectionPaths` plans it for a page loaded by `select`.
  const selection = queryFromInfo({ context: ctx, info, typeName: 'CiJob', paths: CONNECTION_PATHS as never });
  return ctx.db.job.findMany({ ...selection, where: { id: { in: ids.map((job) => job.id) } }, orderBy: { id: order } }) as Promise<Job[]>;
}

/**
 * Prisma refuses an empty `select` (a validation error, so a 500); a page whose nodes are not read at all
 * (`projects { pageInfo { … } }`, `edges { cursor }`) plans one for the related model, so read its id instead.
 */
export function notEmpty<S>(selection: S): S {
  const select = (selection as { select?: object } | null)?.select;
  return select && Object.keys(select).length === 0 ? ({ select: { id: true } } as S) : selection;
}

/** The runner's jobs a page may show: those the viewer can see, and with `systemId` only that host's. */
export function jobsWhere(
  ctx: Context,
  statuses: readonly JobStatus[] | null | undefined,
  systemId: string | null | undefined,
): Prisma.JobWhereInput {
  const visible = visibleJobsWhere(ctx, statuses);
  return systemId == null ? visible : { AND: [visible, { runnerManager: { systemXid: systemId } }] };
}
