import type { Db } from '../db/client.ts';
import { deleteExpiredAuditEvents, pruneStaleRunners } from '../services/runner-pruning.ts';

/** The fleet's periodic upkeep: how often, when a runner is stale enough to prune, how long audit events are kept. */
export interface HousekeepingOptions {
  readonly intervalMs: number;
  readonly staleAfterMs: number;
  /** Null (or 0): audit events are kept forever, as GitLab keeps them. */
  readonly auditRetentionMs?: number | null;
}

interface Log {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface Housekeeper {
  /** One round now (what the timer runs); tests and the CLI may call it. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`: prune stale runners (one server at a time, see runner-pruning.ts) and delete audit events past
 * their retention. A failed round (database away) is logged and retried at the next interval.
 */
export function startHousekeeping(db: Db, options: HousekeepingOptions, log?: Log): Housekeeper {
  let running: Promise<void> | null = null;
  const round = async () => {
    const pruned = await pruneStaleRunners(db, { staleAfterMs: options.staleAfterMs });
    if (pruned?.length) log?.info({ runnerIds: pruned, count: pruned.length }, `pruned ${pruned.length} stale runners`);
    if (options.auditRetentionMs) {
      const expired = await deleteExpiredAuditEvents(db, options.auditRetentionMs);
      if (expired) log?.info({ count: expired }, `deleted ${expired} audit events past their retention`);
    }
  };
  const runOnce = () => {
    running ??= round()
      .catch((error: unknown) => log?.warn({ err: error }, 'housekeeping failed; retrying at the next interval'))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void runOnce(), options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
