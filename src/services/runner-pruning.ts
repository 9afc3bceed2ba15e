import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import { SYSTEM_ACTOR } from './runner-audit.ts';
import { deleteRunners } from './runners.ts';

// Stale-runner pruning (GitLab's Ci::Runners::StaleGroupRunnersPruneCronWorker): stale runners directly in groups
// that allow it (`allowStaleRunnerPruning`), and stale instance runners when the instance allows it, are deleted
// by the system, each with a `pruned` audit event. Several servers may run the prune: each batch is one transaction
// that first takes a transaction-scoped PostgreSQL advisory lock, so one server prunes at a time and a server that
// finds the lock taken leaves the round to the one holding it.

/** The advisory lock of the prune (the status sweeper's is 72707370). */
const PRUNE_LOCK = 72707371;
const PRUNE_BATCH_SIZE = 250;

/** GitLab's `stale` scope: no contact since `cutoff`, and created before it (a runner that never made contact too). */
function staleWhere(cutoff: Date): Prisma.RunnerWhereInput {
  return { createdAt: { lte: cutoff }, OR: [{ contactedAt: null }, { contactedAt: { lte: cutoff } }] };
}

/** The runners the prune deletes now: stale ones directly in an opted-in group, and instance ones if the instance opted in. */
async function prunableWhere(tx: Prisma.TransactionClient, cutoff: Date): Promise<Prisma.RunnerWhereInput> {
  const settings = await tx.applicationSetting.findUnique({ where: { id: 1 }, select: { allowStaleInstanceRunnerPruning: true } });
  const owners: Prisma.RunnerWhereInput[] = [{ runnerType: 'group_type', group: { allowStaleRunnerPruning: true } }];
  if (settings?.allowStaleInstanceRunnerPruning) owners.push({ runnerType: 'instance_type' });
  return { AND: [staleWhere(cutoff), { OR: owners }] };
}

/**
 * One round of pruning: batch after batch until no prunable runner is left. Returns the runners this server pruned,
 * or null when another server held the lock (it is pruning; this one leaves it the round).
 */
export async function pruneStaleRunners(
  db: Db,
  { staleAfterMs, now = Date.now(), batchSize = PRUNE_BATCH_SIZE }: { staleAfterMs: number; now?: number; batchSize?: number },
): Promise<number[] | null> {
  const cutoff = new Date(now - staleAfterMs);
  const pruned: number[] = [];
  for (;;) {
    const batch = await db.$transaction(async (tx) => {
      const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${PRUNE_LOCK}) AS locked`;
      if (!lock?.locked) return null;
      const where = await prunableWhere(tx, cutoff);
      const ids = (await tx.runner.findMany({ where, select: { id: true }, orderBy: { id: 'asc' }, take: batchSize })).map((row) => row.id);
      return deleteRunners(tx, ids, SYSTEM_ACTOR, { where, action: 'pruned', details: { stale_since: cutoff.toISOString() } });
    });
    if (batch === null) return pruned.length ? pruned : null;
    pruned.push(...batch);
    if (batch.length < batchSize) return pruned;
  }
}

/** Deletes audit events older than the retention, in bounded statements; returns how many. */
export async function deleteExpiredAuditEvents(db: Db, retentionMs: number, now = Date.now()): Promise<number> {
  const before = new Date(now - retentionMs);
  let deleted = 0;
  for (;;) {
    const count = await db.$executeRaw`
      DELETE FROM "AuditEvent" WHERE "id" IN (
        SELECT "id" FROM "AuditEvent" WHERE "createdAt" < (${before.toISOString()}::timestamptz AT TIME ZONE 'UTC') LIMIT 10000
      )`;
    deleted += count;
    if (count < 10_000) return deleted;
  }
}
