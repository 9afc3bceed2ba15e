import pg from 'pg';

/**
 * Called with each notification's payload; `onLost` when the listening connection is lost (notifications may be
 * missed from then on), `onGap` after a reconnection, with the moment the listening stopped: notifications sent
 * since then may have been missed.
 */
export interface NotificationHandlers {
  readonly onNotification: (payload: string) => void;
  readonly onGap?: (since: Date) => void;
  readonly onLost?: () => void;
  /** Each time LISTEN is in place (first and after every reconnection): from now on no notification is missed. */
  readonly onListening?: () => void;
}

const RETRY_MS = [100, 500, 1_000, 2_000, 5_000];
const CONNECT_TIMEOUT_MS = 3_000;

/**
 * LISTENs on `channel` over a connection of its own (a pooled one would be handed to other statements), and
 * reconnects after the database restarts or the connection drops, so a replica never stops hearing changes for
 * good. Resolves once listening, or once the first attempt failed (the database is down at start-up: it keeps
 * trying in the background); the returned function stops it.
 */
export async function listenPostgres(url: string, channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  /** When the listening last stopped (or the first attempt to start it failed). */
  let lostAt = new Date();

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, keepAlive: true });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) handlers.onNotification(message.payload);
    });
    next.on('error', () => {
      // The 'end' event follows and schedules the reconnection.
    });
    next.on('end', () => {
      if (client === next) {
        client = null;
        lostAt = new Date();
        if (!stopped) handlers.onLost?.();
      }
      if (!stopped) schedule();
    });
    // Bounded: a database that accepts connections but never answers must not hold start-up.
    let deadline: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      deadline = setTimeout(() => reject(new Error('LISTEN timed out')), CONNECT_TIMEOUT_MS);
    });
    const listening = next.connect().then(() => next.query(`LISTEN "${channel.replaceAll('"', '""')}"`));
    listening.catch(() => {}); // when the timeout wins, this fails later, to no one
    try {
      await Promise.race([listening, timeout]);
    } catch (error) {
      // Not awaited: ending a connection the server never answered could wait as long.
      next.end().catch(() => {});
      throw error;
    } finally {
      clearTimeout(deadline);
    }
    if (stopped) {
      next.end().catch(() => {});
      return;
    }
    client = next;
    handlers.onListening?.();
    if (attempt > 0) handlers.onGap?.(lostAt);
    attempt = 0;
  };

  const schedule = () => {
    if (timer || stopped) return;
    const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
    attempt += 1;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch(() => schedule());
    }, delay);
    timer.unref();
  };

  await connect().catch(() => schedule());
  return async () => {
    stopped = true;
    clearTimeout(timer);
    const current = client;
    client = null;
    await current?.end().catch(() => {});
  };
}
