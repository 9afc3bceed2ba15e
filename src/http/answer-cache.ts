/** `ANSWER_CACHE_MB`'s default: 32 MB. */
export const DEFAULT_ANSWER_CACHE_BYTES = 32 * 1024 * 1024;

/** A successful GET's answer as sent: what the route set (headers) and the body's bytes. */
export interface KeptAnswer {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Answers kept by their ETag, so that pollers of the same view share one computation per data version: after a
 * write, the first poller's request computes the answer and the others are sent it, those that ask while it is
 * being computed included (they wait for it rather than all computing it at once). The ETag names everything the
 * answer depends on (see conditionalRequests), so an answer kept under it is the answer for it.
 *
 * Bounded by the bytes it holds, least recently used first out; an entry of an old data version is never asked for
 * again and simply ages out.
 */
export class AnswerCache {
  private readonly entries = new Map<string, KeptAnswer>();
  /** Answers being computed: a request for the same ETag waits for the one under way instead of computing it too. */
  private readonly pending = new Map<string, Promise<KeptAnswer | undefined>>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** How long a request waits for another's answer at most; past that it computes its own. */
    private readonly waitMs = 30_000,
  ) {}

  /**
   * The answer kept under this ETag, or the one being computed for it (a promise: undefined if none comes of it).
   * Neither: undefined at once, not a promise, so that the caller announces its own computation before any other
   * request can look.
   */
  find(etag: string): KeptAnswer | Promise<KeptAnswer | undefined> | undefined {
    return this.get(etag) ?? this.pending.get(etag);
  }

  /**
   * Announces that this ETag's answer is being computed, for `find` to wait on; the returned function settles it
   * (with the answer, or with nothing when there is none to share) and may be called more than once. Settled anyway
   * after `waitMs`, so that no waiter outlives a request that never finished.
   */
  computing(etag: string): (answer?: KeptAnswer) => void {
    let settle: (answer: KeptAnswer | undefined) => void = () => {};
    const promise = new Promise<KeptAnswer | undefined>((resolve) => {
      settle = resolve;
    });
    this.pending.set(etag, promise);
    const done = (answer?: KeptAnswer) => {
      clearTimeout(timer);
      if (this.pending.get(etag) !== promise) return settle(undefined);
      this.pending.delete(etag);
      if (answer) this.keep(etag, answer);
      settle(answer);
    };
    const timer = setTimeout(done, this.waitMs);
    timer.unref();
    return done;
  }

  get(etag: string): KeptAnswer | undefined {
    const answer = this.entries.get(etag);
    if (!answer) return undefined;
    // Map order is insertion order: taken out and put back, it is the most recently used.
    this.entries.delete(etag);
    this.entries.set(etag, answer);
    return answer;
  }

  keep(etag: string, answer: KeptAnswer): void {
    const size = sizeOf(etag, answer);
    if (size > this.maxBytes / 8) return; // one answer never crowds out all the others
    const previous = this.entries.get(etag);
    if (previous) {
      this.entries.delete(etag);
      this.bytes -= sizeOf(etag, previous);
    }
    this.entries.set(etag, answer);
    this.bytes += size;
    for (const [oldest, kept] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= sizeOf(oldest, kept);
    }
  }
}

function sizeOf(etag: string, answer: KeptAnswer): number {
  let size = etag.length + answer.body.length;
  for (const [name, value] of Object.entries(answer.headers)) size += name.length + value.length;
  return size;
}
