import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/live/outbox.ts';

/** A subscriber that reads slowly: what it will read, once it reads everything that is waiting. */
async function drain<T>(outbox: Outbox<T>): Promise<T[]> {
  const read: T[] = [];
  for (;;) {
    const next = await Promise.race([outbox.next(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 20))]);
    if (!next || next.done) return read;
    read.push(next.value);
  }
}

describe("a slow subscriber's outbox", () => {
  it('keeps only the latest value per subject, in the order the subjects first changed', async () => {
    const outbox = new Outbox<string>(10, () => {});
    for (let change = 1; change <= 1_000; change++) outbox.put(`runner:${change % 3}`, `runner ${change % 3} v${change}`);
    expect(await drain(outbox)).toEqual(['runner 1 v1000', 'runner 2 v998', 'runner 0 v999']);
  });

  it('hands a value straight to a subscriber that is waiting', async () => {
    const outbox = new Outbox<string>(10, () => {});
    const waiting = outbox.next();
    outbox.put('runner:1', 'now');
    expect(await waiting).toEqual({ value: 'now', done: false });
  });

  it('ends after the last value (a deletion), ignoring anything later', async () => {
    let ended = false;
    const outbox = new Outbox<string>(10, () => {
      ended = true;
    });
    outbox.put('runner:2', 'changed');
    outbox.put('runner:1', 'deleted', true);
    outbox.put('runner:3', 'too late');
    expect(await outbox.next()).toEqual({ value: 'changed', done: false });
    expect(await outbox.next()).toEqual({ value: 'deleted', done: false });
    expect(ended).toBe(true);
    expect(await outbox.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers a failure before anything still waiting, then ends', async () => {
    const outbox = new Outbox<string>(10, () => {});
    outbox.put('runner:1', 'changed');
    outbox.fail('failure', 'token revoked');
    expect(await drain(outbox)).toEqual(['token revoked']);
    expect(await outbox.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a subscriber whose backlog would exceed its capacity in distinct subjects', async () => {
    let ended = false;
    const outbox = new Outbox<number>(3, () => {
      ended = true;
    });
    for (const runner of [1, 2, 3, 1, 2, 3]) outbox.put(`runner:${runner}`, runner);
    expect(ended).toBe(false);
    outbox.put('runner:4', 4);
    expect(ended).toBe(true);
    expect(await outbox.next()).toEqual({ value: undefined, done: true });
  });
});
