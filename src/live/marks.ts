import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { LIVE_CHANNEL } from './events.ts';

const PREFIX = 'mark:';

/**
 * Marks this process sends itself on the live channel, to know it has heard every change committed so far.
 * PostgreSQL delivers notifications in the order their transactions committed, so once a mark sent after a write
 * is heard, that write's notifications (a revoked token's `access`, the data version's bump) have been handled.
 * Other replicas hear the marks too, and ignore them.
 */
export class Marks {
  private readonly own = `${PREFIX}${randomUUID()}:`;
  private sent = 0;
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly db: Db,
    private readonly timeoutMs = 1_000,
  ) {}

  /** Whether the payload is a mark (anyone's); a mark of ours lets its waiter go. */
  heard(payload: string): boolean {
    if (!payload.startsWith(PREFIX)) return false;
    this.waiting.get(payload)?.();
    return true;
  }

  /** True once a mark sent now is heard; false when it could not be sent or was not heard within the timeout. */
  async pass(): Promise<boolean> {
    this.sent += 1;
    const mark = `${this.own}${this.sent}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      this.waiting.set(mark, () => resolve(true));
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    try {
      await this.db.$executeRaw`SELECT pg_notify(${LIVE_CHANNEL}, ${mark})`;
      return await heard;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(mark);
    }
  }
}
