/**
 * What one subscriber has yet to receive: at most one value per subject (a runner, a job), the latest, in the
 * order the subjects first became pending. A subscriber that reads slowly therefore holds one value per runner it
 * follows, never a growing backlog, and delays no one else: a live view needs each runner's latest state, not every
 * state it passed through. Past `capacity` subjects (a fleet larger than any the hub lets one follow) it is ended.
 */
export class Outbox<T> {
  private readonly pending = new Map<string, T>();
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private lastSubject: string | null = null;
  private finished = false;

  constructor(
    private readonly capacity: number,
    private readonly onEnd: () => void,
  ) {}

  /** The value waiting for `subject`, if one is. */
  peek(subject: string): T | undefined {
    return this.pending.get(subject);
  }

  /**
   * Makes `value` the next thing the subscriber hears about `subject`, replacing any value still waiting for it.
   * `last`: the subscription ends once this value is read (a deletion, a refused token); nothing after it is kept.
   */
  put(subject: string, value: T, last = false): void {
    if (this.finished || this.lastSubject !== null) return;
    const resolve = this.waiting;
    if (resolve) {
      this.waiting = null;
      resolve({ value, done: false });
      if (last) this.end();
      return;
    }
    if (!this.pending.has(subject) && this.pending.size >= this.capacity) {
      this.end();
      return;
    }
    if (last) {
      // After everything else still waiting.
      this.pending.delete(subject);
      this.lastSubject = subject;
    }
    this.pending.set(subject, value);
  }

  /** Drops what is waiting and delivers `value` next, as the last: the token stopped working. */
  fail(subject: string, value: T): void {
    this.pending.clear();
    this.lastSubject = null;
    this.put(subject, value, true);
  }

  /** Stops at once: a pending `next()` and every later one answer `done`. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.pending.clear();
    this.onEnd();
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    for (const [subject, value] of this.pending) {
      this.pending.delete(subject);
      if (subject === this.lastSubject) this.end();
      return Promise.resolve({ value, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
