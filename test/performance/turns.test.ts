import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/client.ts';
import { nextTurn } from '../../src/db/turns.ts';

// Answers that arrive together are handed on a turn of the event loop at a time (a turn stops handing them on after
// about a millisecond of their work), so that between any two heavy ones the server accepts a waiting connection
// (Node 20 accepts one per turn) and reads new requests. Under load this is what keeps a client that opens a
// connection from waiting behind every request already in flight.

const DATABASE_URL = process.env.DATABASE_URL;

/** The event loop's turns, counted by an immediate that queues itself again (it runs once per turn). */
function countTurns(): { readonly now: () => number; readonly stop: () => void } {
  let turns = 0;
  let timer = setImmediate(function tick() {
    turns += 1;
    timer = setImmediate(tick);
  });
  return { now: () => turns, stop: () => clearImmediate(timer) };
}

/** Keeps this thread busy, as a request's resolvers and JSON do once its statement has answered. */
function work(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

let server: Server | undefined;
afterEach(() => void server?.close());

describe('answers handed on by turns', () => {
  it('lets a waiting connection in after at most one of ten heavy answers that arrived together', async () => {
    server = createServer((socket) => {
      order.push('connection');
      socket.destroy();
    });
    const order: string[] = [];
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const answers = Array.from({ length: 10 }, (_, i) =>
      nextTurn().then(() => {
        work(5);
        order.push(`answer ${i}`);
      }),
    );
    // Another process connects while this one is busy: the connection waits in the kernel to be accepted.
    const client = spawnSync(process.execPath, ['-e', `require('node:net').connect(${port}, '127.0.0.1', () => process.exit(0))`]);
    expect(client.status).toBe(0);
    await Promise.all(answers);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order.indexOf('connection')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('connection')).toBeLessThanOrEqual(1);
    expect(order.filter((step) => step !== 'connection')).toEqual(Array.from({ length: 10 }, (_, i) => `answer ${i}`));
  });

  describe.skipIf(!DATABASE_URL)('on PostgreSQL', () => {
    /** The turns on which five statements' answers, arriving together, were handed on; each then works `ms`. */
    async function turnsOfFiveAnswers(ms: number): Promise<number[]> {
      const database = await openPostgres(DATABASE_URL as string, { max: 5, queryEvents: false });
      try {
        // Five connections open and idle, so that the five statements below go out at once.
        await Promise.all(Array.from({ length: 5 }, () => database.prisma.$queryRawUnsafe('SELECT 1 FROM pg_sleep(0.01)')));
        const turns = countTurns();
        const seen: number[] = [];
        const statements = Array.from({ length: 5 }, () =>
          database.prisma.$queryRawUnsafe('SELECT 1 FROM pg_sleep(0.05)').then(() => {
            seen.push(turns.now());
            work(ms);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
        // Busy while the five sleep: by the time this thread looks, every answer is waiting on its socket.
        work(300);
        await Promise.all(statements);
        turns.stop();
        return seen;
      } finally {
        await database.close();
      }
    }

    it("hands Prisma's statements' heavy answers on one per turn, even when they arrived together", async () => {
      expect(new Set(await turnsOfFiveAnswers(3)).size).toBe(5);
    });

    it('hands light answers on together, sparing the turns their own cost', async () => {
      expect(new Set(await turnsOfFiveAnswers(0)).size).toBeLessThan(5);
    });
  });
});
