/**
 * What changed, as the database reports it after a commit (see the `live_events` migration) or as the status
 * sweeper publishes it: ids only, no transport, no rows. Listeners read the rows they need.
 */
export type LiveEvent =
  /** A runner was created or changed (its fields, its projects, its status by time passing), or deleted. */
  | { readonly kind: 'runner'; readonly id: number; readonly deleted?: boolean; readonly seq?: number }
  /** A job's status or runner changed; its runner's job execution status may have changed with it. */
  | {
      readonly kind: 'job';
      readonly id: number;
      readonly runnerId: number | null;
      readonly previousRunnerId: number | null;
      readonly seq?: number;
    }
  /** Tokens, users, memberships or the namespace tree changed: what subscribers may see must be checked again. */
  | { readonly kind: 'access' };

/** The PostgreSQL notification channel every live event travels on. */
export const LIVE_CHANNEL = 'runners_gateway_live';

function id(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * Reads a notification's payload, or a change log entry's (its id is then the `seq` the notification carried);
 * anything else on the channel is ignored.
 */
export function parseLiveEvent(payload: string, logId?: number): LiveEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const fields = raw as Record<string, unknown>;
  const seq = logId ?? id(fields.seq);
  const logged = seq === null ? {} : { seq };
  switch (fields.kind) {
    case 'runner': {
      const runnerId = id(fields.id);
      return runnerId === null ? null : { kind: 'runner', id: runnerId, ...(fields.deleted === true ? { deleted: true } : {}), ...logged };
    }
    case 'job': {
      const jobId = id(fields.id);
      return jobId === null
        ? null
        : { kind: 'job', id: jobId, runnerId: id(fields.runnerId), previousRunnerId: id(fields.previousRunnerId), ...logged };
    }
    case 'access':
      return { kind: 'access' };
    default:
      return null;
  }
}

/** Whether an event may have changed the runner: its own row, or the status of one of its jobs. */
export function touchesRunner(event: LiveEvent, runnerId: number): boolean {
  if (event.kind === 'runner') return event.id === runnerId;
  if (event.kind === 'job') return event.runnerId === runnerId || event.previousRunnerId === runnerId;
  return false;
}

/** The runners an event may have changed. */
export function runnersOf(event: LiveEvent): number[] {
  if (event.kind === 'runner') return [event.id];
  if (event.kind === 'job') return [event.runnerId, event.previousRunnerId].filter((value): value is number => value !== null);
  return [];
}
