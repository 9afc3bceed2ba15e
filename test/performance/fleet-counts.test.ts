import { beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../src/db/generated/client.ts';
import { createGroup, createProject, createRunner, createUser, gid, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// An admin's whole-fleet counts (every runner, one type, one paused state) are read from counts kept by triggers on
// Runner (the runner_counts migration), not from the runners: after every kind of write they must still be the
// number of runners a count over the rows finds.

const server = useTestServer();
let admin = '';
let groupId = 0;
let projectId = 0;

const COUNTS = `{
  all: runners { count }
  instance: runners(type: INSTANCE_TYPE) { count }
  groupPaused: runners(type: GROUP_TYPE, paused: true) { count }
  projectActive: runners(type: PROJECT_TYPE, paused: false) { count }
  paused: runners(paused: true) { count }
  active: runners(paused: false) { count }
  groupOrProject: runners(types: [GROUP_TYPE, PROJECT_TYPE]) { count }
  limited: runners { count(limit: 3) }
}`;

const truths: Record<string, Prisma.RunnerWhereInput> = {
  all: {},
  instance: { runnerType: 'instance_type' },
  groupPaused: { runnerType: 'group_type', paused: true },
  projectActive: { runnerType: 'project_type', paused: false },
  paused: { paused: true },
  active: { paused: false },
  groupOrProject: { runnerType: { in: ['group_type', 'project_type'] } },
};

async function expectExactCounts(): Promise<void> {
  const answer = await server.graphql(COUNTS, {}, admin);
  expect(answer.errors).toBeUndefined();
  for (const [alias, where] of Object.entries(truths)) {
    expect({ alias, count: answer.data?.[alias].count }).toEqual({ alias, count: await server.db.runner.count({ where }) });
  }
  expect(answer.data?.limited.count).toBe(Math.min(4, await server.db.runner.count()));
  const rest = await server.rest('GET', '/runners/all?type=project_type&per_page=1', { token: admin });
  expect(rest.headers.get('x-total')).toBe(String(await server.db.runner.count({ where: { runnerType: 'project_type' } })));
}

const mutate = async (query: string, variables: Record<string, unknown>) => {
  const answer = await server.graphql(query, variables, admin);
  expect(answer.errors).toBeUndefined();
  return answer.data;
};

beforeAll(async () => {
  const db = server.db;
  ({ token: admin } = await createUser(db, { admin: true }));
  const group = await createGroup(db);
  groupId = group.id;
  projectId = (await createProject(db, { group })).id;
  for (let i = 0; i < 9; i++) {
    await createRunner(db, i % 3 === 0 ? { groupId } : i % 3 === 1 ? { projectIds: [projectId] } : { paused: i % 2 === 0 });
  }
}, 60_000);

describe('whole-fleet runner counts stay exact', () => {
  it('after runners are created, one by one and through the API', async () => {
    await expectExactCounts();
    for (const [type, owner] of [
      ['INSTANCE_TYPE', ''],
      ['GROUP_TYPE', `, groupId: "${gid('Group', groupId)}"`],
      ['PROJECT_TYPE', `, projectId: "${gid('Project', projectId)}"`],
    ]) {
      await mutate(`mutation { runnerCreate(input: { runnerType: ${type}, paused: true${owner} }) { errors } }`, {});
    }
    await expectExactCounts();
  });

  it('after pausing and resuming, one runner and in bulk', async () => {
    const [first, ...rest] = await server.db.runner.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
    await mutate('mutation($id: CiRunnerID!) { runnerUpdate(input: { id: $id, paused: true }) { errors } }', {
      id: runnerGid(first?.id ?? 0),
    });
    await expectExactCounts();
    const ids = rest.slice(0, 5).map((runner) => runnerGid(runner.id));
    await mutate('mutation($ids: [CiRunnerID!]!) { runnerBulkPause(input: { ids: $ids, paused: true }) { errors } }', { ids });
    await expectExactCounts();
    await mutate('mutation($ids: [CiRunnerID!]!) { runnerBulkPause(input: { ids: $ids, paused: false }) { errors } }', {
      ids: ids.slice(0, 2),
    });
    await expectExactCounts();
  });

  it("after a runner's type changes in the database (no API changes it)", async () => {
    const runner = await server.db.runner.findFirstOrThrow({ where: { runnerType: 'group_type' } });
    await server.db.runner.update({ where: { id: runner.id }, data: { runnerType: 'instance_type', groupId: null } });
    await expectExactCounts();
    await server.db.runner.updateMany({ where: { runnerType: 'instance_type' }, data: { paused: true } });
    await expectExactCounts();
  });

  it('after deletions: one runner, in bulk, by REST, and by deleting their group', async () => {
    const runners = await server.db.runner.findMany({ select: { id: true, runnerType: true }, orderBy: { id: 'asc' } });
    await mutate('mutation($id: CiRunnerID!) { runnerDelete(input: { id: $id }) { errors } }', { id: runnerGid(runners[0]?.id ?? 0) });
    await expectExactCounts();
    await mutate('mutation($ids: [CiRunnerID!]!) { bulkRunnerDelete(input: { ids: $ids }) { errors } }', {
      ids: runners.slice(1, 4).map((runner) => runnerGid(runner.id)),
    });
    await expectExactCounts();
    expect((await server.rest('DELETE', `/runners/${runners[4]?.id}`, { token: admin })).status).toBe(204);
    await expectExactCounts();
    // The group's runners go by the foreign key's cascade, not by a statement on Runner.
    expect(await server.db.runner.count({ where: { groupId } })).toBeGreaterThan(0);
    await server.db.group.delete({ where: { id: groupId } });
    await expectExactCounts();
  });

  it('after a load that turns ordinary triggers off (session_replication_role = replica), as the benchmark loader does', async () => {
    await server.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
      await tx.$executeRawUnsafe(`INSERT INTO "Runner" ("runnerType", "tokenDigest", "tokenPrefix", "updatedAt", paused)
        SELECT 'instance_type', md5(i::text) || md5(i::text || 'x'), 'glrt-', now(), i % 2 = 0 FROM generate_series(1, 25) AS i`);
    });
    await expectExactCounts();
  });
});
