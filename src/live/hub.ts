import type { Database } from '../db/client.ts';
import { HeardChanges, missedEvents } from './catch-up.ts';
import { type LiveEvent, LIVE_CHANNEL, parseLiveEvent } from './events.ts';
import type { PrincipalCache } from '../auth/principals.ts';
import { DATA_VERSION_CHANGED, type DataVersions } from '../db/data-version.ts';
import { refusal } from './refusal.ts';
import { Marks } from './marks.ts';
import { LiveSessions, type LiveSession } from './sessions.ts';
import { loadRunnerSnapshot, type RunnerSnapshot } from './snapshots.ts';

/** One subscription, as the hub drives it. */
export interface Follower {
  /** The token it was made with, checked again before each event is taken. */
  readonly token: string | null;
  /** Whether an event may concern it (nothing is loaded for it otherwise). */
  wants(event: LiveEvent): boolean;
  /** Decides what the event means to it; what it loads goes through the hub's `shared`, once per event. */
  take(event: LiveEvent, session: LiveSession): Promise<void>;
  /** Its token stopped working: it tells the subscriber, then ends. */
  fail(error: unknown): void;
  /** The server is closing: the subscription completes now. */
  end(): void;
}

export interface LiveHubOptions {
  /** How long a subscriber's token check is reused when nothing about access changed. */
  readonly sessionTtlMs?: number;
  readonly log?: { warn(object: object, message: string): void };
  /** Authenticated principals this process keeps: emptied on every `access` event, unused while not listening. */
  readonly principals?: PrincipalCache;
  /** The data version this process last read: forgotten at each bump heard, unused while not listening. */
  readonly dataVersions?: DataVersions;
}

/** An event waiting to be taken; a later change of the same runner is merged into it (see `dispatch`). */
interface Waiting {
  event: LiveEvent;
}

/**
 * This server's end of the live events: it listens to the database's notifications (every replica hears every
 * committed change) and hands each event to its subscriptions, one event after the other, so each subscriber hears
 * of changes in the order they were made. What several subscriptions need of an event (the runner's row, whether
 * a viewer may read it, whether it is in a fleet) is loaded once per event, not once per subscriber.
 */
export class LiveHub {
  readonly sessions: LiveSessions;
  private readonly followers = new Set<Follower>();
  private readonly backlog: Waiting[] = [];
  /** Runner events waiting, by runner: a change of a runner already waiting adds nothing (its row is read when taken). */
  private readonly waitingRunners = new Map<number, Waiting>();
  private draining = false;
  private readonly memos = new WeakMap<LiveEvent, Map<string, unknown>>();
  private stopListening: (() => Promise<void>) | null = null;
  private readonly heard = new HeardChanges();
  private readonly marks: Marks;
  private hearing = false;

  constructor(
    readonly database: Database,
    private readonly options: LiveHubOptions = {},
  ) {
    this.sessions = new LiveSessions(database.prisma, options.sessionTtlMs);
    this.marks = new Marks(database.prisma);
  }

  async start(): Promise<void> {
    if (this.stopListening) return;
    this.stopListening = await this.database.listen(LIVE_CHANNEL, {
      onNotification: (payload) => {
        if (this.marks.heard(payload)) return;
        if (payload === DATA_VERSION_CHANGED) return this.options.dataVersions?.changed();
        const event = parseLiveEvent(payload);
        if (event && event.kind !== 'access' && event.seq !== undefined) this.heard.add(event.seq);
        if (event) this.dispatch(event);
      },
      onListening: () => this.listening(true),
      onLost: () => this.listening(false),
      onGap: (since) => void this.catchUp(since),
    });
  }

  /**
   * The listening connection was lost at `since` and is back: the notifications sent meanwhile are gone, but every
   * change was also written to the change log, and is read from there. Access is checked again first, as anything
   * may have changed.
   */
  private async catchUp(since: Date): Promise<void> {
    this.dispatch({ kind: 'access' });
    try {
      const { events, complete } = await missedEvents(this.database.prisma, since);
      for (const event of events) {
        if (event.kind !== 'access' && event.seq !== undefined && this.heard.has(event.seq)) continue;
        this.dispatch(event);
      }
      if (!complete)
        this.options.log?.warn({ since }, 'live events: reconnected after a long gap; some changes made meanwhile were not delivered');
    } catch (error) {
      this.options.log?.warn({ err: error, since }, 'live events: reconnected, but the changes made meanwhile could not be read');
    }
  }

  /** Stops listening; the subscriptions end (they complete normally). */
  async close(): Promise<void> {
    for (const follower of [...this.followers]) follower.end();
    this.followers.clear();
    const stop = this.stopListening;
    this.stopListening = null;
    this.listening(false);
    await stop?.();
  }

  /** What this process keeps of the database is only trusted while it hears every change. */
  private listening(heard: boolean): void {
    this.hearing = heard;
    this.options.principals?.listening(heard);
    this.options.dataVersions?.listening(heard);
  }

  /**
   * Resolves once this process has heard every change committed before the call (its own writes' included), so
   * that what it keeps (principals, the data version) is never older than a write it has acknowledged. Should the
   * mark not come back in time, what it keeps is dropped instead.
   */
  async caughtUp(): Promise<void> {
    if (!this.hearing) return; // nothing is kept while not hearing
    if (await this.marks.pass()) return;
    this.options.principals?.clear();
    this.options.dataVersions?.changed();
  }

  /** Hands every event from now on to `follower`, until the returned function is called. */
  follow(follower: Follower): () => void {
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  dispatch(event: LiveEvent): void {
    if (event.kind === 'access') {
      // At once, so that events still waiting are taken with access as it is now, never as it was.
      this.sessions.clear();
      this.options.principals?.clear();
      // Nor is a change made after this merged into one waiting from before it.
      this.waitingRunners.clear();
    } else if (!this.followers.size) return;
    if (event.kind === 'runner') {
      const waiting = this.waitingRunners.get(event.id);
      if (waiting) {
        if (event.deleted) waiting.event = event;
        return;
      }
    }
    const waiting: Waiting = { event };
    if (event.kind === 'runner') this.waitingRunners.set(event.id, waiting);
    this.backlog.push(waiting);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let waiting = this.backlog.shift(); waiting; waiting = this.backlog.shift()) {
        const { event } = waiting;
        if (event.kind === 'runner' && this.waitingRunners.get(event.id) === waiting) this.waitingRunners.delete(event.id);
        await this.take(event);
      }
    } finally {
      this.draining = false;
    }
  }

  private async take(event: LiveEvent): Promise<void> {
    // By token: each token's session is checked once, then its subscriptions take the event (a thousand dashboards
    // of one user cost one check, and no waiting of their own).
    const byToken = new Map<string | null, Follower[]>();
    for (const follower of this.followers) {
      if (event.kind !== 'access' && !follower.wants(event)) continue;
      const group = byToken.get(follower.token);
      if (group) group.push(follower);
      else byToken.set(follower.token, [follower]);
    }
    let failure: unknown = null;
    // What it needed could not be read now (database unavailable): this event is skipped for it.
    const skipped = (error: unknown) => {
      failure ??= error;
    };
    await Promise.all(
      [...byToken].map(async ([token, group]) => {
        let session: LiveSession;
        try {
          session = await this.sessions.check(token);
        } catch (error) {
          // The database failing to answer is no reason to end a subscription; a refused token is.
          if (refusal(error)) for (const follower of group) follower.fail(error);
          return;
        }
        if (event.kind === 'access') return;
        await Promise.all(group.map((follower) => follower.take(event, session).catch(skipped)));
      }),
    );
    // Once per event: what failed was most likely shared by all its subscribers.
    if (failure) this.options.log?.warn({ err: failure, event }, 'live events: an event could not be delivered to some subscribers');
  }

  /** Makes something once per event, however many subscriptions ask for it. */
  shared<T>(event: LiveEvent, key: string, make: () => T): T {
    let byKey = this.memos.get(event);
    if (!byKey) {
      byKey = new Map();
      this.memos.set(event, byKey);
    }
    if (byKey.has(key)) return byKey.get(key) as T;
    const value = make();
    byKey.set(key, value);
    return value;
  }

  /** The runner as it is after the event (null once deleted), read once for all subscriptions. */
  runner(event: LiveEvent, runnerId: number): Promise<RunnerSnapshot | null> {
    return this.shared(event, `runner:${runnerId}`, () => loadRunnerSnapshot(this.database.prisma, runnerId));
  }

  /** Whether the session's viewer may read the runner, decided once per event for all who see alike. */
  readable(event: LiveEvent, session: LiveSession, runner: RunnerSnapshot): Promise<boolean> {
    return this.shared(event, `read:${runner.id}:${session.key}`, () => session.policy.canRead(runner));
  }
}
