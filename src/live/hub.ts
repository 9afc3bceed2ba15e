import type { Database } from '../db/client.ts';
import { type LiveEvent, LIVE_CHANNEL, parseLiveEvent } from './events.ts';
import type { PrincipalCache } from '../auth/principals.ts';
import { EventQueue } from './queue.ts';
import { LiveSessions } from './sessions.ts';
import { loadRunnerSnapshot, type RunnerSnapshot } from './snapshots.ts';

export interface LiveHubOptions {
  /** Events a subscriber may fall behind by before it is ended. */
  readonly queueCapacity?: number;
  /** How long a subscriber's token check is reused when nothing about access changed. */
  readonly sessionTtlMs?: number;
  readonly log?: { warn(object: object, message: string): void };
  /** Authenticated principals this process keeps: emptied on every `access` event, unused while not listening. */
  readonly principals?: PrincipalCache;
}

/**
 * This server's end of the live events: it listens to the database's notifications (every replica hears every
 * committed change), fans them out to its subscriptions, and loads what several subscriptions need once per event.
 */
export class LiveHub {
  readonly sessions: LiveSessions;
  private readonly queues = new Set<EventQueue<LiveEvent>>();
  private readonly shared = new WeakMap<LiveEvent, Map<string, Promise<unknown>>>();
  private stopListening: (() => Promise<void>) | null = null;
  private readonly queueCapacity: number;

  constructor(
    readonly database: Database,
    private readonly options: LiveHubOptions = {},
  ) {
    this.sessions = new LiveSessions(database.prisma, options.sessionTtlMs);
    this.queueCapacity = options.queueCapacity ?? 1_000;
  }

  async start(): Promise<void> {
    if (this.stopListening) return;
    this.stopListening = await this.database.listen(LIVE_CHANNEL, {
      onNotification: (payload) => {
        const event = parseLiveEvent(payload);
        if (event) this.dispatch(event);
      },
      // Notifications sent while the connection was down are lost: at least make everyone's access fresh.
      onListening: () => this.options.principals?.listening(true),
      onLost: () => this.options.principals?.listening(false),
      onGap: () => {
        this.options.log?.warn({}, 'live events: reconnected to the database; changes made meanwhile were not delivered');
        this.dispatch({ kind: 'access' });
      },
    });
  }

  /** Ends every subscription (they complete normally) and stops listening. */
  async close(): Promise<void> {
    for (const queue of [...this.queues]) queue.end();
    const stop = this.stopListening;
    this.stopListening = null;
    this.options.principals?.listening(false);
    await stop?.();
  }

  /** Every event from now on, until the returned queue is ended (by its consumer or by `close()`). */
  events(): EventQueue<LiveEvent> {
    const queue: EventQueue<LiveEvent> = new EventQueue(this.queueCapacity, () => this.queues.delete(queue));
    this.queues.add(queue);
    return queue;
  }

  private dispatch(event: LiveEvent): void {
    if (event.kind === 'access') {
      this.sessions.clear();
      this.options.principals?.clear();
    }
    for (const queue of this.queues) queue.push(event);
  }

  /** Loads something once per event, however many subscriptions ask for it. */
  once<T>(event: LiveEvent, key: string, load: () => Promise<T>): Promise<T> {
    let byKey = this.shared.get(event);
    if (!byKey) {
      byKey = new Map();
      this.shared.set(event, byKey);
    }
    let value = byKey.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      byKey.set(key, value);
    }
    return value;
  }

  /** The runner as it is after the event (null once deleted), read once for all subscriptions. */
  runner(event: LiveEvent, runnerId: number): Promise<RunnerSnapshot | null> {
    return this.once(event, `runner:${runnerId}`, () => loadRunnerSnapshot(this.database.prisma, runnerId));
  }
}
