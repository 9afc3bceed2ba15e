import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openPostgres } from '../../src/db/client.ts';
import { type ServerProcess, startServer } from '../faults/process.ts';
import { createPostgresDatabase, DATABASE_URL, sleep } from '../faults/support.ts';
import { createGroup } from '../support/factories.ts';

/**
 * Two server processes on one PostgreSQL, both pruning every second: the advisory lock lets one prune at a time,
 * so every stale runner of an opted-in group is deleted once, with one audit event, and nothing else is.
 */
describe.skipIf(!DATABASE_URL)('stale-runner pruning across two server processes (PostgreSQL)', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Database;
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase();
    db = await openPostgres(database.url, { max: 2 });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await db?.close();
    await database?.drop();
  });

  /** `count` stale group runners of `groupId`, in one statement. */
  async function seedStale(groupId: number, count: number, salt: string) {
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO "Runner" ("runnerType", "groupId", "tagList", "tokenDigest", "tokenPrefix", "createdAt", "contactedAt", "updatedAt")
       SELECT 'group_type', $1::int, '{}', md5($2 || 'a' || i) || md5($2 || 'b' || i), 't2_seed', now() - interval '60 days',
              now() - interval '30 days', now()
       FROM generate_series(1, $3::int) AS i`,
      groupId,
      salt,
      count,
    );
  }

  it('prunes each stale runner of an opted-in group once, whichever server gets to it', { timeout: 240_000 }, async () => {
    const opted = await createGroup(db.prisma);
    const other = await createGroup(db.prisma);
    await db.prisma.group.update({ where: { id: opted.id }, data: { allowStaleRunnerPruning: true } });
    await seedStale(opted.id, 1_200, 'opted');
    await seedStale(other.id, 50, 'other');

    const env = { DATABASE_URL: database.url, RUNNER_PRUNE_INTERVAL_SECONDS: '1', LOG_LEVEL: 'info' };
    servers = await Promise.all([startServer(env), startServer(env)]);
    for (const end = Date.now() + 120_000; Date.now() < end; await sleep(250)) {
      if ((await db.prisma.runner.count({ where: { groupId: opted.id } })) === 0) break;
    }
    await sleep(2_500); // more rounds on both: nothing left to prune twice
    await Promise.all(servers.map((server) => server.stop()));

    expect(await db.prisma.runner.count({ where: { groupId: opted.id } })).toBe(0);
    expect(await db.prisma.runner.count({ where: { groupId: other.id } })).toBe(50);
    const events = await db.prisma.auditEvent.groupBy({ by: ['targetId'], where: { action: 'pruned' }, _count: { _all: true } });
    expect(events).toHaveLength(1_200);
    expect(events.every((event) => event._count._all === 1)).toBe(true);
    // Each server logged what it pruned; together, each runner once.
    const logged = servers
      .flatMap((server) => server.output().split('\n'))
      .filter((line) => line.includes('stale runners'))
      .map((line) => JSON.parse(line) as { count: number; runnerIds: number[] });
    expect(logged.reduce((sum, line) => sum + line.count, 0)).toBe(1_200);
    expect(new Set(logged.flatMap((line) => line.runnerIds)).size).toBe(1_200);
  });
});
