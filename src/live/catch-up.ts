import type { Db } from '../db/client.ts';
import { type LiveEvent, parseLiveEvent } from './events.ts';

/** How long the change log keeps an event: far longer than a listener takes to reconnect. */
export const LIVE_LOG_RETENTION_MS = 15 * 60 * 1000;

/**
 * How far before the moment the listening stopped the log is read again. An entry is stamped with its
 * transaction's start, so a change committed during the gap by a transaction begun before it is still found; the
 * entries read back that were heard before the gap are skipped (see `HeardChanges`).
 */
const MARGIN_MS = 60_000;

/** At most this many entries are read back: several minutes of a busy fleet; the hub merges them by runner. */
const MAX_ENTRIES = 100_000;

/**
 * The events committed since `since` (less the margin), from the change log, oldest first: what a listener whose
 * connection dropped at `since` may have missed. `complete` is false when there were more than it reads, or when
 * the log no longer reaches back that far.
 */
export async function missedEvents(db: Db, since: Date, now = Date.now()): Promise<{ events: LiveEvent[]; complete: boolean }> {
  const from = new Date(since.getTime() - MARGIN_MS);
  const rows = await db.liveChange.findMany({
    where: { at: { gte: from } },
    orderBy: { id: 'asc' },
    select: { id: true, payload: true },
    take: MAX_ENTRIES + 1,
  });
  const events = rows.slice(0, MAX_ENTRIES).flatMap((row) => parseLiveEvent(row.payload, Number(row.id)) ?? []);
  return { events, complete: rows.length <= MAX_ENTRIES && now - from.getTime() < LIVE_LOG_RETENTION_MS };
}

/**
 * The change log entries this server heard notified (their `seq`), so that reading the log back after a gap
 * delivers only what was missed. It keeps the latest ones, well more than a catch-up window's worth.
 */
export class HeardChanges {
  private readonly seqs = new Set<number>();

  constructor(private readonly capacity = 200_000) {}

  add(seq: number): void {
    this.seqs.add(seq);
    if (this.seqs.size > this.capacity) {
      // Sets iterate in insertion order: the first is the oldest.
      for (const oldest of this.seqs) {
        this.seqs.delete(oldest);
        break;
      }
    }
  }

  has(seq: number): boolean {
    return this.seqs.has(seq);
  }
}
