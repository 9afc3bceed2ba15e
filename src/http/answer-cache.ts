/** A successful GET's answer as sent: what the route set (headers) and the body's bytes. */
export interface KeptAnswer {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Answers kept by their ETag, so that pollers of the same view share one computation per data version: after a
 * write, the first poller's request computes the answer and the others are sent it. The ETag names everything the
 * answer depends on (see conditionalRequests), so an answer kept under it is the answer for it.
 *
 * Bounded by the bytes it holds, least recently used first out; an entry of an old data version is never asked for
 * again and simply ages out.
 */
export class AnswerCache {
  private readonly entries = new Map<string, KeptAnswer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

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
