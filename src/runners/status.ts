import type { Prisma } from '../db/generated/client.ts';

/** GitLab's ONLINE_CONTACT_TIMEOUT: a runner that polled within two hours is online. */
export const ONLINE_CONTACT_TIMEOUT_MS = 2 * 60 * 60 * 1000;
/** GitLab's STALE_TIMEOUT: a week without contact (or never contacted and a week old) is stale. */
export const STALE_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;

export interface StatusTimeouts {
  readonly onlineMs: number;
  readonly staleMs: number;
}

/**
 * The timeouts every status derivation, status filter and the live status sweeper use: GitLab's by default, set
 * once at start-up from the environment (so that tests can let runners go offline in seconds).
 */
let timeouts: StatusTimeouts = { onlineMs: ONLINE_CONTACT_TIMEOUT_MS, staleMs: STALE_TIMEOUT_MS };

export function statusTimeouts(): StatusTimeouts {
  return timeouts;
}

export function setStatusTimeouts(next: StatusTimeouts): void {
  if (!(next.onlineMs > 0 && next.staleMs > 0)) throw new Error('status timeouts must be positive');
  timeouts = { ...next };
}

export type RunnerStatus = 'online' | 'offline' | 'stale' | 'never_contacted';

/** What a status is derived from: a runner's or a runner manager's contact and creation times. */
interface ContactFacts {
  readonly contactedAt: Date | null;
  readonly createdAt: Date;
}

interface StatusFacts extends ContactFacts {
  readonly paused: boolean;
}

export function isStale(runner: ContactFacts, now = Date.now()): boolean {
  const last = Math.max(runner.createdAt.getTime(), runner.contactedAt?.getTime() ?? 0);
  return last <= now - timeouts.staleMs;
}

/** `true`/`false` for runners that have contacted us, `null` for those that never did (as GitLab's `online`). */
export function isOnline(runner: ContactFacts, now = Date.now()): boolean | null {
  if (!runner.contactedAt) return null;
  return runner.contactedAt.getTime() > now - timeouts.onlineMs;
}

/** The GraphQL status of a runner or a runner manager: derived from contact times alone; paused is a separate flag. */
export function runnerStatus(runner: ContactFacts, now = Date.now()): RunnerStatus {
  if (isStale(runner, now)) return 'stale';
  if (!runner.contactedAt) return 'never_contacted';
  return isOnline(runner, now) ? 'online' : 'offline';
}

/** GitLab's REST `status` (deprecated_rest_status): stale and never-contacted first, then paused over online. */
export function restRunnerStatus(runner: StatusFacts, now = Date.now()): RunnerStatus | 'paused' {
  if (isStale(runner, now)) return 'stale';
  if (!runner.contactedAt) return 'never_contacted';
  if (runner.paused) return 'paused';
  return isOnline(runner, now) ? 'online' : 'offline';
}

export type StatusFilter = RunnerStatus | 'active' | 'paused';

/** Conditions on contact and creation times, which runners and runner managers share. */
interface ContactWhere {
  contactedAt?: { gt: Date } | { lte: Date } | null;
  createdAt?: { lte: Date };
  OR?: ContactWhere[];
}

/** The rows each contact status selects, runners or runner managers (offline excludes never-contacted ones). */
export function contactStatusWhere(status: RunnerStatus, now = Date.now()): ContactWhere {
  const onlineSince = new Date(now - timeouts.onlineMs);
  const staleBefore = new Date(now - timeouts.staleMs);
  switch (status) {
    case 'online':
      return { contactedAt: { gt: onlineSince } };
    case 'offline':
      return { contactedAt: { lte: onlineSince } };
    case 'never_contacted':
      return { contactedAt: null };
    case 'stale':
      return { createdAt: { lte: staleBefore }, OR: [{ contactedAt: null }, { contactedAt: { lte: staleBefore } }] };
  }
}

/**
 * The stale runners as two disjoint sets: never contacted, and contacted before the deadline (each created before
 * it). Counted one by one, each is a range of the (contactedAt, createdAt) index read alone; counted together, the
 * `OR` leaves PostgreSQL to fetch every stale runner's row (a fifth of the fleet) or to filter the whole index.
 */
export function staleArms(now = Date.now()): ContactWhere[] {
  // The stale rule's own arms, each with the rule's other conditions, so the rule stays written once (above).
  const { OR: arms = [], ...rest } = contactStatusWhere('stale', now);
  return arms.map((arm) => ({ ...arm, ...rest }));
}

/** The rows each status filter selects, as GitLab's scopes. */
export function statusWhere(status: StatusFilter, now = Date.now()): Prisma.RunnerWhereInput {
  switch (status) {
    case 'active':
      return { paused: false };
    case 'paused':
      return { paused: true };
    default:
      return contactStatusWhere(status, now);
  }
}
