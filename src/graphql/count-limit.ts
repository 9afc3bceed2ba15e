import { badInput } from '../errors.ts';

/**
 * Limited counts, as GitLab counts its big collections: `count(limit: n)` counts at most n + 1 rows, so an answer
 * above n means "more than n" (GitLab's LimitedCountableConnectionType; its REST API omits X-Total above 10,000
 * rows, and the REST shim asks for that limit). Counting stops at the limit instead of visiting every row.
 */
export const MAX_COUNT_LIMIT = 10_000;

export function checkCountLimit(limit: number | null | undefined): number | undefined {
  if (limit === null || limit === undefined) return undefined;
  if (limit < 1 || limit > MAX_COUNT_LIMIT) throw badInput(`limit must be between 1 and ${MAX_COUNT_LIMIT}`, 'limit');
  return limit;
}

/**
 * A connection's count is computed by a function Pothos keeps on the connection and calls without arguments,
 * so the `count` field hands its limit over through the request's context, for the duration of that
 * synchronous call: the counting function reads it (`countLimit`) before it first awaits.
 */
const handedOver = new WeakMap<object, number>();

export function countWithLimit<T>(ctx: object, limit: number | undefined, count: () => T): T {
  if (limit === undefined) return count();
  handedOver.set(ctx, limit);
  try {
    return count();
  } finally {
    handedOver.delete(ctx);
  }
}

/** The limit the `count` field being resolved asked for, if any; read synchronously, first thing. */
export function countLimit(ctx: object): number | undefined {
  return handedOver.get(ctx);
}
