import type { Db } from '../db/client.ts';
import type { RunnerType } from '../db/generated/enums.ts';
import type { RunnerFilter } from './filters.ts';
import { normalizeTags } from './attributes.ts';

/** What the kept counts can answer: runners of these types (all when null) in this paused state (either when null). */
export interface CountedKind {
  readonly types: readonly RunnerType[] | null;
  readonly paused: boolean | null;
}

/**
 * The part of a filter the kept counts answer, or null when it narrows by anything else (status, tags, search,
 * version, creator): those are counted on the runners themselves. Type and types are ANDed, as runnerFilterWhere
 * ANDs them.
 */
export function countedKind(filter: RunnerFilter): CountedKind | null {
  const other =
    filter.status ||
    normalizeTags(filter.tagList ?? []).length ||
    filter.search ||
    filter.versionPrefix ||
    filter.creatorId ||
    filter.creatorUsername;
  if (other) return null;
  let types: RunnerType[] | null = null;
  if (filter.type) types = [filter.type];
  if (filter.types) types = (types ?? [...filter.types]).filter((type) => filter.types?.includes(type));
  return { types, paused: filter.paused ?? null };
}

/**
 * The exact number of runners of a kind in the whole fleet, read from the counts that triggers on Runner keep in the
 * writing transaction (the runner_counts migration): a sum over at most 96 rows instead of reading every runner, and
 * exact in any snapshot, since the counts commit with the runners they count.
 */
export async function fleetCount(db: Db, kind: CountedKind): Promise<number> {
  const { _sum } = await db.runnerCount.aggregate({
    _sum: { count: true },
    where: {
      ...(kind.types ? { runnerType: { in: [...kind.types] } } : {}),
      ...(kind.paused === null ? {} : { paused: kind.paused }),
    },
  });
  return Number(_sum.count ?? 0);
}
