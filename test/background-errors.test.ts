import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type Db, openPostgres } from '../src/db/client.ts';
import { createTestDatabase } from './support/db.ts';
import { createUser } from './support/factories.ts';
import { startApp } from './security/app.ts';

/** Failures no answer carries must still reach the operator's log, and must fail nothing else. */
describe('failures behind the requests', () => {
  it("logs a token's failed last-use update, and answers the request all the same", async () => {
    const database = await createTestDatabase();
    const failing = database.prisma.$extends({
      query: {
        personalAccessToken: {
          async update() {
            throw new Error('could not write last_used_at');
          },
        },
      },
    });
    const lines: string[] = [];
    // An extended client has its own type; the app only calls the model methods both share.
    const app = await startApp({
      database: { ...database, prisma: failing as unknown as Db },
      logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } },
    });
    const { token } = await createUser(database.prisma);
    expect((await app.graphql('{ currentUser { username } }', {}, token)).body.data.currentUser).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } });
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: "recording a token's last use failed",
        err: expect.objectContaining({ message: 'could not write last_used_at' }),
      }),
    );
  });

  it.skipIf(!process.env.DATABASE_URL)('reports a pooled PostgreSQL connection that the server drops while it is idle', async () => {
    const url = process.env.DATABASE_URL as string;
    const reported: string[] = [];
    const database = await openPostgres(url, { max: 1, onBackgroundError: (error, what) => reported.push(`${what}: ${error.message}`) });
    const [backend] = await database.prisma.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [backend?.pid]);
    await admin.end();
    for (let i = 0; i < 50 && reported.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reported[0]).toMatch(/^an idle PostgreSQL connection failed: terminating connection due to administrator command/);
    // The pool opens a new connection for the next statement.
    expect(await database.prisma.$queryRaw<{ one: number }[]>`SELECT 1 AS one`).toEqual([{ one: 1 }]);
    await database.close();
  });
});
