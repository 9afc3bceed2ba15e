import type { Database } from '../db/client.ts';
import type { PrincipalCache } from '../auth/principals.ts';
import type { DataVersions } from '../db/data-version.ts';
import { LiveHub } from './hub.ts';
import { startSweeper, type Sweeper } from './sweeper.ts';

/** What the live machinery needs of the HTTP server: its lifecycle hooks and its log. */
export interface ServerLifecycle {
  addHook(name: 'onReady' | 'preClose', hook: () => Promise<void>): unknown;
  readonly log: { warn(object: object, message: string): void };
}

export interface LiveOptions {
  /** How often to look for runners that went offline or stale by time passing; null: this server does not sweep. */
  readonly sweepIntervalMs?: number | null;
  /** How long a subscriber's token check is reused while nothing about access changes. */
  readonly sessionTtlMs?: number;
  /** Authenticated principals kept by this server, which the hub keeps true to the database (see PrincipalCache). */
  readonly principals?: PrincipalCache;
  /** The data version this server last read, which the hub forgets at every bump (see DataVersions). */
  readonly dataVersions?: DataVersions;
}

/**
 * The live machinery of one server: its hub listens from start-up to shutdown, and (when asked) its sweeper
 * takes part in the replicas' election for each status sweep. Subscriptions end before the server waits for
 * open requests to finish, so an open event stream never holds a shutdown.
 */
export function liveServer(app: ServerLifecycle, database: Database, options: LiveOptions = {}): LiveHub {
  const hub = new LiveHub(database, {
    sessionTtlMs: options.sessionTtlMs,
    log: app.log,
    principals: options.principals,
    dataVersions: options.dataVersions,
  });
  let sweeper: Sweeper | null = null;
  app.addHook('onReady', async () => {
    await hub.start();
    if (options.sweepIntervalMs) sweeper = startSweeper(hub.database.prisma, options.sweepIntervalMs, app.log);
  });
  app.addHook('preClose', async () => {
    await sweeper?.stop();
    await hub.close();
  });
  return hub;
}
