import type { Db } from '../db/client.ts';
import { statusTimeouts } from '../runners/status.ts';
import { LIVE_LOG_RETENTION_MS } from './catch-up.ts';

/** The advisory lock that elects, for each sweep, the one replica that sweeps. */
const SWEEP_LOCK = 72707370;

/**
 * Publishes the status changes that come from time passing: runners that went offline (no contact for the online
 * timeout) or stale (the stale timeout) since the last sweep, whichever replica made it. The sweeps of all replicas
 * share one watermark (`LiveSweep.sweptAt`) under a transaction-scoped advisory lock: each window of time is swept
 * once, by one replica, so each transition is published once; a replica that finds the lock taken skips its turn.
 * The notifications are sent in the same transaction as the watermark, so they go out exactly when it moves.
 * Answers the runners published, or null when another replica held the lock.
 */
export async function sweepStatuses(db: Db, now = Date.now()): Promise<number[] | null> {
  return db.$transaction(async (tx) => {
    const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}) AS locked`;
    if (!lock?.locked) return null;
    const to = new Date(now);
    const mark = await tx.liveSweep.findUnique({ where: { id: 1 } });
    if (!mark) {
      // The first sweep ever: earlier transitions were never promised to anyone.
      await tx.liveSweep.create({ data: { id: 1, sweptAt: to } });
      return [];
    }
    if (mark.sweptAt >= to) return [];
    const { onlineMs, staleMs } = statusTimeouts();
    const crossed = (timeoutMs: number) => ({ gt: new Date(mark.sweptAt.getTime() - timeoutMs), lte: new Date(now - timeoutMs) });
    const rows = await tx.runner.findMany({
      where: {
        OR: [
          // online → offline
          { contactedAt: crossed(onlineMs) },
          // offline → stale, and never contacted → stale (a week after it was created)
          { contactedAt: crossed(staleMs), createdAt: { lte: new Date(now - staleMs) } },
          { contactedAt: null, createdAt: crossed(staleMs) },
        ],
      },
      select: { id: true },
    });
    await tx.liveSweep.update({ where: { id: 1 }, data: { sweptAt: to } });
    const ids = rows.map((row) => row.id);
    if (ids.length) {
      // What answers show changed without a write: conditional requests' ETags must move (see DataVersion).
      await tx.$executeRaw`SELECT "data_version_bump"()`;
      // Notified and logged as the database's own triggers do (see the live_change_log migration).
      await tx.$executeRaw`SELECT live_publish(json_build_object('kind', 'runner', 'id', id)::text) FROM unnest(${ids}::int[]) AS id`;
    }
    // The log need only cover a listener's reconnection; the replica that sweeps prunes it.
    await tx.liveChange.deleteMany({ where: { at: { lt: new Date(now - LIVE_LOG_RETENTION_MS) } } });
    return ids;
  });
}

export interface Sweeper {
  stop(): Promise<void>;
}

/** Sweeps every `intervalMs` until stopped; a failed sweep (database away) is logged and retried next time. */
export function startSweeper(db: Db, intervalMs: number, log?: { warn(object: object, message: string): void }): Sweeper {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepStatuses(db)
      .catch((error: unknown) => log?.warn({ err: error }, 'runner status sweep failed; retrying at the next interval'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
