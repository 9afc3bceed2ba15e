import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addGroupMember, addProjectMember, createGroup, createProject, createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';
import type { Json } from '../support/json.ts';

const server = useTestServer();

const DELETE = /* GraphQL */ `
  mutation($input: BulkRunnerDeleteByFilterInput!) {
    bulkRunnerDeleteByFilter(input: $input) { dryRun matchedCount affectedCount batchCount complete limit runners { id } errors }
  }
`;
const PAUSE = /* GraphQL */ `
  mutation($input: RunnerBulkPauseByFilterInput!) {
    runnerBulkPauseByFilter(input: $input) { dryRun matchedCount affectedCount complete runners { id } errors }
  }
`;

async function run(query: string, input: Record<string, unknown>, token: string) {
  const res = await server.graphql(query, { input }, token);
  expect(res.errors).toBeUndefined();
  return Object.values(res.data ?? {})[0] as Record<string, Json>;
}

const ids = (runners: { id: string }[]) => runners.map((runner) => Number(runner.id.split('/').pop()));

/** Inserts `count` instance runners tagged `tag` in one statement, as a fleet of ephemeral runners would leave them. */
async function seedRunners(count: number, tag: string): Promise<number[]> {
  const rows = await server.db.$queryRawUnsafe<{ id: number }[]>(
    `INSERT INTO "Runner" ("runnerType", "description", "tagList", "tokenDigest", "tokenPrefix", "updatedAt")
     SELECT 'instance_type', 'ephemeral ' || i, ARRAY[$1]::text[], md5($1 || 'a' || i) || md5($1 || 'b' || i), 't1_seed', now()
     FROM generate_series(1, $2::int) AS i
     RETURNING "id"`,
    tag,
    count,
  );
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

describe('bulkRunnerDeleteByFilter', () => {
  it('counts in a dry run exactly what the real run then deletes, and changes nothing meanwhile', async () => {
    const admin = await createUser(server.db, { admin: true });
    const doomed = [];
    for (let i = 0; i < 4; i += 1)
      doomed.push((await createRunner(server.db, { tagList: ['doomed', 'linux'], paused: i % 2 === 0 })).runner.id);
    await createRunner(server.db, { tagList: ['linux'] });
    const input = { tagList: ['doomed'], previewSize: 3 };

    const dry = await run(DELETE, { ...input, dryRun: true }, admin.token);
    expect(dry).toEqual({
      dryRun: true,
      matchedCount: 4,
      affectedCount: 0,
      batchCount: 0,
      complete: true,
      limit: 10_000,
      runners: expect.any(Array),
      errors: [],
    });
    expect(ids(dry.runners)).toEqual(doomed.slice(0, 3));
    expect(await server.db.runner.count({ where: { tagList: { has: 'doomed' } } })).toBe(4);

    const real = await run(DELETE, input, admin.token);
    expect(real).toMatchObject({
      dryRun: false,
      matchedCount: 4,
      affectedCount: dry.matchedCount,
      batchCount: 1,
      complete: true,
      runners: null,
    });
    expect(await server.db.runner.count({ where: { id: { in: doomed } } })).toBe(0);
    expect(await server.db.runner.count({ where: { tagList: { has: 'linux' } } })).toBe(1);
    const events = await server.db.auditEvent.findMany({ where: { targetId: { in: doomed }, action: 'deleted' } });
    expect(events.map((event) => [event.targetId, event.authorId])).toEqual(
      expect.arrayContaining(doomed.map((id) => [id, admin.user.id])),
    );
  });

  it('touches only the runners the caller may delete or update in a mixed set, within the scope asked', async () => {
    const user = await createUser(server.db);
    const owned = await createGroup(server.db);
    const sub = await createGroup(server.db, { parent: owned });
    const foreign = await createGroup(server.db);
    const mine = await createProject(server.db, { group: foreign });
    const theirs = await createProject(server.db, { group: foreign });
    await addGroupMember(server.db, owned.id, user.user.id, AccessLevel.OWNER);
    await addProjectMember(server.db, mine.id, user.user.id, AccessLevel.MAINTAINER);
    const tagList = ['mixed'];
    const deletable = [
      (await createRunner(server.db, { groupId: owned.id, tagList })).runner.id,
      (await createRunner(server.db, { groupId: sub.id, tagList })).runner.id,
      (await createRunner(server.db, { projectIds: [mine.id], tagList })).runner.id,
    ];
    // Shared by a project the user maintains and one they do not: theirs to pause, only an admin's to delete.
    const shared = (await createRunner(server.db, { projectIds: [theirs.id, mine.id], tagList })).runner.id;
    const untouchable = [
      (await createRunner(server.db, { tagList })).runner.id,
      (await createRunner(server.db, { groupId: foreign.id, tagList })).runner.id,
      (await createRunner(server.db, { projectIds: [theirs.id], tagList })).runner.id,
    ];

    const pauseDry = await run(PAUSE, { tagList, pause: true, dryRun: true }, user.token);
    expect(ids(pauseDry.runners).sort()).toEqual([...deletable, shared].sort());
    expect(pauseDry.matchedCount).toBe(4);

    const inGroup = await run(
      DELETE,
      { tagList, groupId: `gid://gitlab/Group/${owned.id}`, membership: 'DIRECT', dryRun: true },
      user.token,
    );
    expect(ids(inGroup.runners)).toEqual([deletable[0]]);

    const dry = await run(DELETE, { tagList, dryRun: true }, user.token);
    expect(ids(dry.runners).sort()).toEqual([...deletable].sort());
    const real = await run(DELETE, { tagList }, user.token);
    expect(real.affectedCount).toBe(3);
    expect(await server.db.runner.count({ where: { id: { in: deletable } } })).toBe(0);
    expect((await server.db.runner.findMany({ where: { id: { in: [...untouchable, shared] } }, select: { id: true } })).length).toBe(4);

    const paused = await run(PAUSE, { tagList, pause: true }, user.token);
    expect(paused.affectedCount).toBe(1);
    expect(
      await server.db.runner.findMany({ where: { id: { in: [...untouchable, shared] }, paused: true }, select: { id: true } }),
    ).toEqual([{ id: shared }]);
    // A group they cannot list is refused outright.
    const refused = await server.graphql(DELETE, { input: { groupId: `gid://gitlab/Group/${foreign.id}` } }, user.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('deletes 5,000 runners in batches, and a batch that fails midway is rolled back whole', { timeout: 300_000 }, async () => {
    const admin = await createUser(server.db, { admin: true });
    const fleet = await seedRunners(5_000, 'fleet');
    const done = await run(DELETE, { tagList: ['fleet'] }, admin.token);
    expect(done).toMatchObject({ matchedCount: 5_000, affectedCount: 5_000, batchCount: 20, complete: true, errors: [] });
    expect(await server.db.runner.count({ where: { id: { in: fleet } } })).toBe(0);
    expect(await server.db.auditEvent.count({ where: { targetId: { in: fleet }, action: 'deleted' } })).toBe(5_000);

    // A runner that cannot be deleted (a trigger refuses it) in the 11th batch of 250.
    const second = await seedRunners(5_000, 'second');
    const victim = second[2_600] as number;
    await server.db.$executeRawUnsafe(`CREATE FUNCTION refuse_victim() RETURNS trigger AS $$
      BEGIN IF OLD."id" = ${victim} THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN OLD; END $$ LANGUAGE plpgsql`);
    await server.db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_victim BEFORE DELETE ON "Runner" FOR EACH ROW EXECUTE FUNCTION refuse_victim()`,
    );
    try {
      const stopped = await run(DELETE, { tagList: ['second'] }, admin.token);
      expect(stopped).toMatchObject({ matchedCount: 5_000, affectedCount: 2_500, batchCount: 10, complete: false });
      expect(stopped.errors).toEqual([
        'Stopped after 2500 runners: a batch failed and was rolled back whole. Run the mutation again for the rest.',
      ]);
    } finally {
      await server.db.$executeRawUnsafe('DROP TRIGGER refuse_victim ON "Runner"');
      await server.db.$executeRawUnsafe('DROP FUNCTION refuse_victim()');
    }
    // Whole batches only: the first ten are gone with their events, the failed one and the rest are all there.
    const left = (await server.db.runner.findMany({ where: { id: { in: second } }, select: { id: true }, orderBy: { id: 'asc' } })).map(
      (runner) => runner.id,
    );
    expect(left).toEqual(second.slice(2_500));
    expect(await server.db.auditEvent.count({ where: { targetId: { in: second } } })).toBe(2_500);
  });
});
