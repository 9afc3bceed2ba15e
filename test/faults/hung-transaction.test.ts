import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import type { Database } from '../../src/db/client.ts';
import { isDatabaseUnavailable } from '../../src/db/errors.ts';
import { DEFAULT_RATE_LIMITS } from '../../src/http/rate-limit.ts';
import { createRunner, createUser } from '../support/factories.ts';
import { openFaultDatabase, sleep } from './support.ts';

const TIMEOUT_MS = 1_000;
const MAX_WAIT_MS = 400;

/**
 * PGlite runs one transaction at a time, so one that never finishes would stop every request behind it. Every
 * interactive transaction is bounded (DB_TRANSACTION_TIMEOUT_MS, set on the Prisma client), so the server gets
 * its database back when the bound expires, and the stuck transaction is rolled back. On PostgreSQL the same
 * bound frees the connection the transaction holds.
 */
describe('a transaction that never finishes', () => {
  let database: Database;
  let app: ReturnType<typeof buildApp>;
  let url: string;
  let token: string;
  let runnerId: number;

  beforeAll(async () => {
    database = await openFaultDatabase({ transactionTimeoutMillis: TIMEOUT_MS, transactionMaxWaitMillis: MAX_WAIT_MS });
    token = (await createUser(database.prisma, { admin: true })).token;
    runnerId = (await createRunner(database.prisma)).runner.id;
    app = buildApp({ database, settings: { externalUrl: 'http://gitlab.test' }, rateLimits: { ...DEFAULT_RATE_LIMITS, enabled: false } });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const get = (path: string) => fetch(`${url}${path}`, { headers: { 'private-token': token } });

  it('is rolled back at its timeout, and the requests held up behind it then complete', async () => {
    const started = Date.now();
    // Through the application's own client: a write, then a pause far past the bound before finishing.
    const stuck = database.prisma.$transaction(async (tx) => {
      await tx.runner.update({ where: { id: runnerId }, data: { description: 'never committed' } });
      await sleep(TIMEOUT_MS * 4);
      await tx.runner.update({ where: { id: runnerId }, data: { maintenanceNote: 'never reached' } });
    });
    const outcome = stuck.then(
      () => 'committed',
      (error: { code?: string }) => error.code ?? 'failed',
    );
    await sleep(100);

    const reads = await Promise.all([
      get('/api/v4/user'),
      get(`/api/v4/runners/${runnerId}`),
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ runner(id: "gid://gitlab/Ci::Runner/${runnerId}") { description } }` }),
      }),
    ]);
    const elapsed = Date.now() - started;
    expect(reads.map((response) => response.status)).toEqual([200, 200, 200]);
    // The stuck transaction's write was never visible, and is gone.
    expect(((await reads[1]!.json()) as { description: string }).description).not.toBe('never committed');
    expect(elapsed).toBeLessThan(TIMEOUT_MS * 2.5); // not the 4 s the transaction wanted
    if (database.kind === 'pglite') expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 150); // they did wait for it

    expect(await outcome).toBe('P2028');
    const runner = await database.prisma.runner.findUniqueOrThrow({ where: { id: runnerId } });
    expect(runner.description).not.toBe('never committed');
    expect(runner.maintenanceNote).toBeNull();
  });

  it('another transaction meanwhile waits at most DB_TRANSACTION_MAX_WAIT_MS for PGlite, then fails as unavailable', async () => {
    const stuck = database.prisma
      .$transaction(async (tx) => {
        await tx.runner.findUnique({ where: { id: runnerId } });
        await sleep(TIMEOUT_MS * 4);
      })
      .catch((error: { code?: string }) => error.code);
    await sleep(100);
    const started = Date.now();
    const second = await database.prisma
      .$transaction(async (tx) => tx.runner.count())
      .then(
        (count) => ({ count, code: null }),
        (error: unknown) => ({ count: null, code: (error as { code?: string }).code, unavailable: isDatabaseUnavailable(error) }),
      );
    const elapsed = Date.now() - started;
    if (database.kind === 'pglite') {
      expect(second).toEqual({ count: null, code: 'P2028', unavailable: true });
      expect(elapsed).toBeGreaterThanOrEqual(MAX_WAIT_MS - 50);
      expect(elapsed).toBeLessThan(TIMEOUT_MS);
    } else {
      // PostgreSQL has other connections: the stuck transaction holds one of them, not the database.
      expect(second.count).toBeGreaterThan(0);
    }
    expect(await stuck).toBe('P2028');
    // And the server is whole again.
    expect((await get(`/api/v4/runners/${runnerId}`)).status).toBe(200);
  });
});
