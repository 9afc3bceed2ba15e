import type { RunnerFacts } from '../auth/runner-policy.ts';
import type { Job, Prisma } from '../db/generated/client.ts';
import { visibleJobsFilter } from '../runners/jobs.ts';
import { Delivery, LiveFailure } from './delivery.ts';
import { type LiveEvent, runnersOf, touchesRunner } from './events.ts';
import type { Follower, LiveHub } from './hub.ts';
import { Outbox } from './outbox.ts';
import type { LiveSession } from './sessions.ts';
import { type RunnerSnapshot, SNAPSHOT_INCLUDE } from './snapshots.ts';

/** How a runner changed for one subscriber: it entered their set, changed in it, left it, or was deleted. */
export type RunnerChangeKind = 'entered' | 'updated' | 'left' | 'deleted';

export interface RunnerChange {
  readonly kind: RunnerChangeKind;
  readonly runnerId: number;
  /** The runner after the change; null when it was deleted, or when the subscriber may no longer read it. */
  readonly runner: RunnerSnapshot | null;
}

/** One runner of an event, as a fleet with one filter sees it for one viewer. */
interface FleetFact {
  readonly runnerId: number;
  /** Null: deleted (or gone, its deletion on its way). */
  readonly runner: RunnerSnapshot | null;
  readonly readable: boolean;
  readonly inFleet: boolean;
}

/** At most this many runners are tracked per fleet subscription: a dashboard's worth, many times over. */
const MAX_FLEET = 10_000;

/**
 * One subscriber's stream: the hub hands it events, `take` decides what (if anything) the subscriber hears, and
 * the outbox keeps it until the transport reads it. Ending the stream (the client went away) stops it at once.
 */
abstract class Subscription<T> implements Follower, AsyncIterableIterator<Delivery<T> | LiveFailure> {
  protected readonly outbox: Outbox<Delivery<T> | LiveFailure>;

  constructor(
    protected readonly hub: LiveHub,
    readonly token: string | null,
  ) {
    let unfollow = () => {};
    // A fleet's members, and one event per runner waiting in the outbox, at most.
    this.outbox = new Outbox(MAX_FLEET + 1, () => unfollow());
    unfollow = hub.follow(this);
  }

  abstract wants(event: LiveEvent): boolean;
  abstract take(event: LiveEvent, session: LiveSession): Promise<void>;

  fail(error: unknown): void {
    this.outbox.fail('failure', new LiveFailure(error));
  }

  end(): void {
    this.outbox.end();
  }

  next(): Promise<IteratorResult<Delivery<T> | LiveFailure>> {
    return this.outbox.next();
  }

  async return(): Promise<IteratorResult<Delivery<T> | LiveFailure>> {
    this.outbox.end();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The change of a runner, as one object for every subscriber that hears the same of this event. */
  protected change(event: LiveEvent, kind: RunnerChangeKind, runnerId: number, runner: RunnerSnapshot | null): RunnerChange {
    return this.hub.shared(event, `change:${runnerId}:${kind}:${runner ? 'row' : 'none'}`, () => ({ kind, runnerId, runner }));
  }
}

/**
 * One runner: every change of it (fields, projects, status, its jobs' statuses), then `deleted` and the end.
 * `facts` is what the subscriber was allowed to read when subscribing; each later event is checked against the
 * runner as it is then, and the deletion against the runner as it last was.
 */
class RunnerSubscription extends Subscription<RunnerChange> {
  constructor(
    hub: LiveHub,
    token: string | null,
    private readonly runnerId: number,
    private last: RunnerFacts,
  ) {
    super(hub, token);
  }

  wants(event: LiveEvent): boolean {
    return touchesRunner(event, this.runnerId);
  }

  async take(event: LiveEvent, session: LiveSession): Promise<void> {
    const subject = `runner:${this.runnerId}`;
    if (event.kind === 'runner' && event.deleted) {
      if (await session.policy.canRead(this.last)) {
        this.outbox.put(subject, new Delivery(this.change(event, 'deleted', this.runnerId, null), session), true);
      } else this.outbox.end();
      return;
    }
    const runner = await this.hub.runner(event, this.runnerId);
    // Gone without a deletion event yet (its projects were removed with it): the deletion follows.
    if (!runner || !(await this.hub.readable(event, session, runner))) return;
    this.last = runner;
    this.outbox.put(subject, new Delivery(this.change(event, 'updated', this.runnerId, runner), session));
  }
}

export function followRunner(hub: LiveHub, token: string | null, runnerId: number, facts: RunnerFacts) {
  return new RunnerSubscription(hub, token, runnerId, facts);
}

/** One job's status changes (GitLab's `ciJobStatusUpdated`), while the subscriber may read the job. */
class JobSubscription extends Subscription<Job> {
  constructor(
    hub: LiveHub,
    token: string | null,
    private readonly jobId: number,
  ) {
    super(hub, token);
  }

  wants(event: LiveEvent): boolean {
    return event.kind === 'job' && event.id === this.jobId;
  }

  async take(event: LiveEvent, session: LiveSession): Promise<void> {
    const { access } = session;
    const where: Prisma.JobWhereInput = { AND: [{ id: this.jobId }, visibleJobsFilter(access)] };
    const job = await this.hub.shared(event, `job:${this.jobId}:${access.isAdmin ? 'admin' : session.key}`, () =>
      this.hub.database.prisma.job.findFirst({ where }),
    );
    if (job) this.outbox.put(`job:${this.jobId}`, new Delivery(job, session));
  }
}

export function followJob(hub: LiveHub, token: string | null, jobId: number) {
  return new JobSubscription(hub, token, jobId);
}

/** A fleet: the runners `where` selects (evaluated again at each event, so time-driven statuses count). */
export interface FleetFilter {
  /** Identifies the filter, so that subscribers with the same one share each event's check. */
  readonly key: string;
  /** Null: every runner the subscriber may read, which needs no query to decide. */
  readonly where: ((now: number) => Prisma.RunnerWhereInput) | null;
}

/** The runners in the fleet now that the subscriber may read: the set later events are compared against. */
export async function fleetMembers(hub: LiveHub, session: Omit<LiveSession, 'key'>, filter: FleetFilter): Promise<Set<number>> {
  const where = filter.where?.(Date.now()) ?? {};
  // Administrators read every runner: their fleet needs no facts for the policy.
  if (session.access.isAdmin) {
    return new Set((await hub.database.prisma.runner.findMany({ where, select: { id: true }, take: MAX_FLEET })).map((row) => row.id));
  }
  const rows = await hub.database.prisma.runner.findMany({ where, include: SNAPSHOT_INCLUDE, take: MAX_FLEET });
  const members = new Set<number>();
  for (const row of rows) if (await session.policy.canRead(row)) members.add(row.id);
  return members;
}

/**
 * A fleet of runners: `entered` when a runner comes into the filtered set (created, changed, or made readable),
 * `updated` when one in it changes, `left` when one goes out of it (changed, or no longer readable), `deleted`
 * when one in it is deleted. A client that applies them keeps its list current without querying again; a client
 * that reads slowly hears only each runner's latest change (an `entered` not read yet stays `entered`).
 */
class FleetSubscription extends Subscription<RunnerChange> {
  constructor(
    hub: LiveHub,
    token: string | null,
    private readonly filter: FleetFilter,
    private readonly members: Set<number>,
  ) {
    super(hub, token);
  }

  wants(event: LiveEvent): boolean {
    if (event.kind === 'runner') return true;
    // A job's change moves no runner in or out of a fleet; it only changes a member's job execution status.
    return event.kind === 'job' && runnersOf(event).some((runnerId) => this.members.has(runnerId));
  }

  async take(event: LiveEvent, session: LiveSession): Promise<void> {
    const facts = await this.facts(event, session);
    for (const { runnerId, runner, readable, inFleet } of facts) {
      const known = this.members.has(runnerId);
      const subject = `runner:${runnerId}`;
      if (event.kind === 'runner' && event.deleted) {
        if (!known) continue;
        this.members.delete(runnerId);
        this.outbox.put(subject, new Delivery(this.change(event, 'deleted', runnerId, null), session));
        continue;
      }
      if ((event.kind === 'job' && !known) || !runner) continue;
      if (inFleet) {
        const waiting = this.outbox.peek(subject);
        const entered = !known || (waiting instanceof Delivery && waiting.value.kind === 'entered');
        if (this.members.size >= MAX_FLEET && !known) continue;
        this.members.add(runnerId);
        this.outbox.put(subject, new Delivery(this.change(event, entered ? 'entered' : 'updated', runnerId, runner), session));
      } else if (known) {
        this.members.delete(runnerId);
        this.outbox.put(subject, new Delivery(this.change(event, 'left', runnerId, readable ? runner : null), session));
      }
    }
  }

  /**
   * What the event's runners are now for this fleet and viewer: found once for every subscription with the same
   * filter and viewer (a thousand dashboards wait on one promise), then each applies it to its own members.
   */
  private facts(event: LiveEvent, session: LiveSession): Promise<FleetFact[]> {
    return this.hub.shared(event, `fleet-facts:${this.filter.key}:${session.key}`, async () => {
      const facts: FleetFact[] = [];
      for (const runnerId of runnersOf(event)) {
        if (event.kind === 'runner' && event.deleted) {
          facts.push({ runnerId, runner: null, readable: false, inFleet: false });
          continue;
        }
        const runner = await this.hub.runner(event, runnerId);
        const readable = runner !== null && (await this.hub.readable(event, session, runner));
        const inFleet = readable && (event.kind === 'job' || (await this.inFleet(event, runnerId)));
        facts.push({ runnerId, runner, readable, inFleet });
      }
      return facts;
    });
  }

  private inFleet(event: LiveEvent, runnerId: number): Promise<boolean> {
    const { where } = this.filter;
    if (!where) return Promise.resolve(true);
    return this.hub.shared(event, `fleet:${this.filter.key}:${runnerId}`, async () => {
      const row = await this.hub.database.prisma.runner.findFirst({
        where: { AND: [{ id: runnerId }, where(Date.now())] },
        select: { id: true },
      });
      return row !== null;
    });
  }
}

export function followFleet(hub: LiveHub, token: string | null, filter: FleetFilter, members: Set<number>) {
  return new FleetSubscription(hub, token, filter, members);
}
