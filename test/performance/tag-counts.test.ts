import { beforeAll, describe, expect, it } from 'vitest';
import { createGroup, createRunner, createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// An admin's count of one tag's runners is read from the taggings that triggers on Runner keep (the runner_taggings
// migration), not from the runners: after every kind of write it must still be what a count over the runners' own
// tags finds, and the taggings must be exactly the runners' tags.

const server = useTestServer();
let admin = '';
let groupId = 0;
const TAGS = ['linux', 'docker', 'gpu', 'arm64'];

/** The taggings are exactly the runners' distinct tags (a null in a list, which only SQL by hand can write, is none). */
async function expectTaggingsOfTags(): Promise<void> {
  const truth = await server.db.$queryRawUnsafe<{ tag: string; runnerId: number }[]>(
    `SELECT DISTINCT tag, id AS "runnerId" FROM "Runner" CROSS JOIN unnest("tagList") AS tag WHERE tag IS NOT NULL ORDER BY 1, 2`,
  );
  expect(await server.db.runnerTagging.findMany({ orderBy: [{ tag: 'asc' }, { runnerId: 'asc' }] })).toEqual(truth);
}

async function expectExactTagCounts(): Promise<void> {
  await expectTaggingsOfTags();
  for (const tag of TAGS) {
    const count = await server.db.runner.count({ where: { tagList: { has: tag } } });
    const answer = await server.graphql(
      'query($tags: [String!]) { exact: runners(tagList: $tags) { count } limited: runners(tagList: $tags) { count(limit: 2) } }',
      { tags: [tag] },
      admin,
    );
    expect(answer.errors).toBeUndefined();
    expect({ tag, exact: answer.data?.exact.count, limited: answer.data?.limited.count }).toEqual({
      tag,
      exact: count,
      limited: Math.min(count, 3),
    });
    const rest = await server.rest('GET', `/runners/all?tag_list=${tag}&per_page=1`, { token: admin });
    expect({ tag, total: rest.headers.get('x-total') }).toEqual({ tag, total: String(count) });
  }
}

const mutate = async (query: string, variables: Record<string, unknown>) => {
  const answer = await server.graphql(query, variables, admin);
  expect(answer.errors).toBeUndefined();
  return answer.data;
};

beforeAll(async () => {
  ({ token: admin } = await createUser(server.db, { admin: true }));
  groupId = (await createGroup(server.db)).id;
  for (let i = 0; i < 6; i++) {
    await createRunner(server.db, i % 2 ? { groupId, tagList: ['linux', 'docker'] } : { tagList: i % 3 ? ['gpu', 'linux'] : [] });
  }
}, 60_000);

describe('tag counts stay exact', () => {
  it('after runners are created, by the domain and through both APIs', async () => {
    await expectExactTagCounts();
    await mutate('mutation { runnerCreate(input: { runnerType: INSTANCE_TYPE, tagList: ["arm64", "linux"] }) { errors } }', {});
    const created = await server.rest('POST', '/user/runners', {
      token: admin,
      json: { runner_type: 'instance_type', tag_list: 'gpu,arm64' },
    });
    expect(created.status).toBe(201);
    await expectExactTagCounts();
  });

  it('after tags change: some go, some come, all go; and after an update that names no tags', async () => {
    const [first, second, third] = await server.db.runner.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
    await mutate('mutation($id: CiRunnerID!) { runnerUpdate(input: { id: $id, tagList: ["docker", "arm64"] }) { errors } }', {
      id: runnerGid(first?.id ?? 0),
    });
    await expectExactTagCounts();
    expect((await server.rest('PUT', `/runners/${second?.id}`, { token: admin, json: { tag_list: '' } })).status).toBe(200);
    await expectExactTagCounts();
    await server.db.runner.update({ where: { id: third?.id ?? 0 }, data: { description: 'renamed', contactedAt: new Date() } });
    await server.db.runner.updateMany({ data: { tagList: { push: 'gpu' } }, where: { tagList: { has: 'docker' } } });
    await expectExactTagCounts();
  });

  it('after deletions: one runner, in bulk, and by deleting their group', async () => {
    const runners = await server.db.runner.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
    await mutate('mutation($ids: [CiRunnerID!]!) { bulkRunnerDelete(input: { ids: $ids }) { errors } }', {
      ids: runners.slice(0, 2).map((runner) => runnerGid(runner.id)),
    });
    expect((await server.rest('DELETE', `/runners/${runners[2]?.id}`, { token: admin })).status).toBe(204);
    await server.db.group.delete({ where: { id: groupId } });
    await expectExactTagCounts();
  });

  it('after SQL by hand: a load with ordinary triggers off, duplicate and null tags', async () => {
    await server.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
      await tx.$executeRawUnsafe(`INSERT INTO "Runner" ("runnerType", "tokenDigest", "tokenPrefix", "updatedAt", "tagList")
        SELECT 'instance_type', md5(i::text) || md5(i::text || 'x'), 'glrt-', now(),
          CASE WHEN i % 2 = 0 THEN ARRAY['linux', 'linux', NULL] ELSE ARRAY['gpu'] END
        FROM generate_series(1, 25) AS i`);
    });
    await server.db.$executeRawUnsafe(`UPDATE "Runner" SET "tagList" = ARRAY['docker', NULL, 'docker'] WHERE "tagList" @> ARRAY['gpu']`);
    await expectTaggingsOfTags();
    await server.db.$executeRawUnsafe(`UPDATE "Runner" SET "tagList" = array_remove("tagList", NULL)`);
    await expectExactTagCounts();
  });
});
