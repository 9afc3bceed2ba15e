import type { RunnerFacts } from '../auth/runner-policy.ts';
import type { Prisma } from '../db/generated/client.ts';
import { visibleJobsFilter } from '../runners/jobs.ts';
import { type LiveEvent, runnersOf, touchesRunner } from './events.ts';
import type { LiveHub } from './hub.ts';
import { refusal } from './refusal.ts';
import type { EventQueue } from './queue.ts';
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

/** The subscriber's token no longer works (revoked, expired, user blocked): delivered once, then the stream ends. */
export class LiveFailure {
  constructor(readonly error: unknown) {}
}

/** What one event means to one subscriber: a value to deliver (maybe the last), the end of the stream, or nothing. */
type Step<T> = { readonly value: T; readonly last?: boolean } | { readonly end: true } | null;

/**
 * Turns the hub's events into one subscriber's stream: `step` decides, per event, what (if anything) this
 * subscriber receives. Before each delivery the subscriber's token is checked again. Ending the stream (the
 * client went away) ends the queue at once, even while it waits for the next event.
 */
function subscriberStream<T>(
  hub: LiveHub,
  token: string | null,
  relevant: (event: LiveEvent) => boolean,
  step: (event: LiveEvent, session: LiveSession) => Promise<Step<T>>,
): AsyncIterableIterator<T | LiveFailure> {
  const queue: EventQueue<LiveEvent> = hub.events();
  let finishing = false;
  const iterator: AsyncIterableIterator<T | LiveFailure> = {
    async next() {
      while (!finishing) {
        const { value: event, done } = await queue.next();
        if (done) break;
        if (event.kind !== 'access' && !relevant(event)) continue;
        let session: LiveSession;
        let result: Step<T>;
        try {
          session = await hub.sessions.check(token);
        } catch (error) {
          // The database failing to answer is no reason to end a subscription; a refused token is.
          if (!refusal(error)) continue;
          finishing = true;
          queue.end();
          return { value: new LiveFailure(error), done: false };
        }
        if (event.kind === 'access') continue;
        try {
          result = await step(event, session);
        } catch {
          // The runner could not be read now (database unavailable): this event is skipped, the stream goes on.
          continue;
        }
        if (!result) continue;
        if ('end' in result) break;
        if (result.last) {
          finishing = true;
          queue.end();
        }
        return { value: result.value, done: false };
      }
      queue.end();
      return { value: undefined, done: true };
    },
    async return() {
      finishing = true;
      queue.end();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * One runner: every change of it (fields, projects, status, its jobs' statuses), then `deleted` and the end.
 * `facts` is what the subscriber was allowed to read when subscribing; each later event is checked against the
 * runner as it is then, and the deletion against the runner as it last was.
 */
export function followRunner(hub: LiveHub, token: string | null, runnerId: number, facts: RunnerFacts) {
  let last: RunnerFacts = facts;
  return subscriberStream<RunnerChange>(
    hub,
    token,
    (event) => touchesRunner(event, runnerId),
    async (event, { policy }) => {
      if (event.kind === 'runner' && event.deleted) {
        return (await policy.canRead(last)) ? { value: { kind: 'deleted', runnerId, runner: null }, last: true } : { end: true };
      }
      const runner = await hub.runner(event, runnerId);
      // Gone without a deletion event yet (its projects were removed with it): the deletion follows.
      if (!runner || !(await policy.canRead(runner))) return null;
      last = runner;
      return { value: { kind: 'updated', runnerId, runner } };
    },
  );
}

/** One job's status changes (GitLab's `ciJobStatusUpdated`), while the subscriber may read the job. */
export function followJob(hub: LiveHub, token: string | null, jobId: number) {
  return subscriberStream(
    hub,
    token,
    (event) => event.kind === 'job' && event.id === jobId,
    async (event, { access }) => {
      const where: Prisma.JobWhereInput = { AND: [{ id: jobId }, visibleJobsFilter(access)] };
      const job = access.isAdmin
        ? await hub.once(event, `job:${jobId}`, () => hub.database.prisma.job.findUnique({ where: { id: jobId } }))
        : await hub.database.prisma.job.findFirst({ where });
      return job ? { value: job } : null;
    },
  );
}

/** A fleet: the runners `where` selects (evaluated again at each event, so time-driven statuses count). */
export interface FleetFilter {
  /** Identifies the filter, so that subscribers with the same one share each event's check. */
  readonly key: string;
  readonly where: (now: number) => Prisma.RunnerWhereInput;
}

/** At most this many runners are tracked per fleet subscription: a dashboard's worth, many times over. */
const MAX_FLEET = 10_000;

/** The runners in the fleet now that the subscriber may read: the set later events are compared against. */
export async function fleetMembers(hub: LiveHub, session: LiveSession, filter: FleetFilter): Promise<Set<number>> {
  const where = filter.where(Date.now());
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
 * when one in it is deleted. A client that applies them keeps its list current without querying again.
 */
export function followFleet(hub: LiveHub, token: string | null, filter: FleetFilter, members: Set<number>) {
  return subscriberStream<RunnerChange>(
    hub,
    token,
    (event) => runnersOf(event).length > 0,
    async (event, { policy }) => {
      for (const runnerId of runnersOf(event)) {
        const known = members.has(runnerId);
        if (event.kind === 'runner' && event.deleted) {
          if (!known) return null;
          members.delete(runnerId);
          return { value: { kind: 'deleted', runnerId, runner: null } };
        }
        // A job's change moves no runner in or out of a fleet; it only changes a member's job execution status.
        if (event.kind === 'job' && !known) continue;
        const runner = await hub.runner(event, runnerId);
        if (!runner) continue;
        const readable = await policy.canRead(runner);
        const inFleet =
          readable &&
          (event.kind === 'job' ||
            (await hub.once(event, `fleet:${filter.key}:${runnerId}`, async () => {
              const row = await hub.database.prisma.runner.findFirst({
                where: { AND: [{ id: runnerId }, filter.where(Date.now())] },
                select: { id: true },
              });
              return row !== null;
            })));
        if (inFleet) {
          members.add(runnerId);
          return { value: { kind: known ? 'updated' : 'entered', runnerId, runner } };
        }
        if (known) {
          members.delete(runnerId);
          return { value: { kind: 'left', runnerId, runner: readable ? runner : null } };
        }
      }
      return null;
    },
  );
}
