import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';

// Acting on every runner that matches a filter: a dry run counts them, a real run walks them in id order in bounded
// batches, one short transaction each (no lock on the whole table, nothing half-done: a batch commits whole or not
// at all), up to a hard cap per call.

/** Runners changed per transaction: small enough to stay far inside the transaction bounds under load. */
export const BULK_BATCH_SIZE = 250;
/** At most this many runners per call; the answer says whether any are left for another call. */
export const BULK_FILTER_CAP = 10_000;

type Tx = Prisma.TransactionClient;

export interface BulkRun {
  /** Runners changed, in whole batches. */
  readonly done: number;
  readonly batches: number;
  /** Whether no matching runner is left unprocessed (false when the cap or a failure stopped the run). */
  readonly complete: boolean;
  /** What stopped the run midway, when something did after at least one batch had committed. */
  readonly failure?: unknown;
}

/** How many runners `where` matches now, and the first `preview` of them by id: what a real run would change. */
export async function previewMatching(db: Db, where: Prisma.RunnerWhereInput, preview: number) {
  const [count, runners] = await Promise.all([
    db.runner.count({ where }),
    preview > 0 ? db.runner.findMany({ where, orderBy: { id: 'asc' }, take: preview }) : Promise.resolve([]),
  ]);
  return { count, runners };
}

/**
 * Applies `change` to the runners `where` matches, batch by batch in id order. `change` gets the batch's ids in its
 * own transaction and must check `where` again under its row locks (a runner may have changed since it was listed);
 * it returns the ids it changed. A failure before anything committed is thrown (the caller answers it as any
 * failure); after that, the run stops and reports what it did.
 */
export async function runInBatches(
  db: Db,
  where: Prisma.RunnerWhereInput,
  change: (tx: Tx, ids: number[]) => Promise<readonly number[]>,
  { batchSize = BULK_BATCH_SIZE, cap = BULK_FILTER_CAP }: { batchSize?: number; cap?: number } = {},
): Promise<BulkRun> {
  let after = 0;
  let done = 0;
  let batches = 0;
  while (done < cap) {
    const take = Math.min(batchSize, cap - done);
    let batch: { last: number; changed: number } | null;
    try {
      batch = await db.$transaction(async (tx) => {
        const ids = (
          await tx.runner.findMany({ where: { AND: [where, { id: { gt: after } }] }, select: { id: true }, orderBy: { id: 'asc' }, take })
        ).map((runner) => runner.id);
        const last = ids.at(-1);
        if (last === undefined) return null;
        return { last, changed: (await change(tx, ids)).length };
      });
    } catch (failure) {
      if (batches === 0) throw failure;
      return { done, batches, complete: false, failure };
    }
    if (!batch) return { done, batches, complete: true };
    after = batch.last;
    done += batch.changed;
    batches += 1;
  }
  const left = await db.runner.findFirst({ where: { AND: [where, { id: { gt: after } }] }, select: { id: true } });
  return { done, batches, complete: left === null };
}
