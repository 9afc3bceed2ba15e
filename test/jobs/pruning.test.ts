import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addGroupMember, createGroup, createProject, createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// The server prunes every 300 ms the runners without contact for 60 s; audit events are kept 60 s.
const server = useTestServer({ housekeeping: { intervalMs: 300, staleAfterMs: 60_000, auditRetentionMs: 60_000 } });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const longAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000);

async function until(check: () => Promise<boolean>, ms = 15_000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await check()) return;
  throw new Error('timed out waiting for the prune');
}

describe('stale-runner pruning', () => {
  it('deletes exactly the stale runners directly in groups that allow it, and instance runners once the instance does', async () => {
    const admin = await createUser(server.db, { admin: true });
    const owner = await createUser(server.db);
    const opted = await createGroup(server.db);
    const sub = await createGroup(server.db, { parent: opted });
    const other = await createGroup(server.db);
    const project = await createProject(server.db, { group: opted });
    await addGroupMember(server.db, opted.id, owner.user.id, AccessLevel.OWNER);

    const old = { createdAt: longAgo };
    const stale = [
      (await createRunner(server.db, { groupId: opted.id, ...old, contactedAt: longAgo })).runner.id,
      (await createRunner(server.db, { groupId: opted.id, ...old, contactedAt: null })).runner.id,
    ];
    const kept = [
      (await createRunner(server.db, { groupId: opted.id, ...old, contactedAt: new Date() })).runner.id,
      (await createRunner(server.db, { groupId: sub.id, ...old, contactedAt: longAgo })).runner.id,
      (await createRunner(server.db, { groupId: other.id, ...old, contactedAt: longAgo })).runner.id,
      (await createRunner(server.db, { projectIds: [project.id], ...old, contactedAt: longAgo })).runner.id,
    ];
    const instance = (await createRunner(server.db, { ...old, contactedAt: longAgo })).runner.id;

    const update = await server.graphql(
      `mutation($input: NamespaceCiCdSettingsUpdateInput!) {
        namespaceCiCdSettingsUpdate(input: $input) { ciCdSettings { allowStaleRunnerPruning namespace { fullPath } } errors }
      }`,
      { input: { fullPath: opted.fullPath, allowStaleRunnerPruning: true } },
      owner.token,
    );
    expect(update.data?.namespaceCiCdSettingsUpdate).toEqual({
      ciCdSettings: { allowStaleRunnerPruning: true, namespace: { fullPath: opted.fullPath } },
      errors: [],
    });
    const read = await server.graphql(
      `query($path: ID!) { group(fullPath: $path) { allowStaleRunnerPruning } }`,
      { path: opted.fullPath },
      owner.token,
    );
    expect(read.data?.group).toEqual({ allowStaleRunnerPruning: true });

    await until(async () => (await server.db.runner.count({ where: { id: { in: stale } } })) === 0);
    await sleep(700); // a few more rounds: nothing else goes
    expect((await server.db.runner.findMany({ where: { id: { in: [...kept, instance] } }, select: { id: true } })).length).toBe(5);
    const events = await server.db.auditEvent.findMany({ where: { action: 'pruned' }, orderBy: { targetId: 'asc' } });
    expect(events.map((event) => [event.targetId, event.authorType, event.authorId, event.eventName, event.entityId])).toEqual(
      stale.map((id) => [id, 'System', null, 'ci_runner_pruned', opted.id]),
    );

    // The instance's own setting, over GitLab's /application/settings shape.
    const settings = await server.rest('PUT', '/application/settings', {
      token: admin.token,
      json: { allow_stale_instance_runner_pruning: true },
    });
    expect(settings.body).toMatchObject({ allow_stale_instance_runner_pruning: true });
    await until(async () => (await server.db.runner.count({ where: { id: instance } })) === 0);
    expect((await server.db.runner.findMany({ where: { id: { in: kept } }, select: { id: true } })).length).toBe(4);
  });

  it('lets only the group Owners change the setting', async () => {
    const maintainer = await createUser(server.db);
    const group = await createGroup(server.db);
    await addGroupMember(server.db, group.id, maintainer.user.id, AccessLevel.MAINTAINER);
    const refused = await server.graphql(
      `mutation($input: NamespaceCiCdSettingsUpdateInput!) { namespaceCiCdSettingsUpdate(input: $input) { errors } }`,
      { input: { fullPath: group.fullPath, allowStaleRunnerPruning: true } },
      maintainer.token,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.db.group.findUniqueOrThrow({ where: { id: group.id } })).allowStaleRunnerPruning).toBe(false);
  });

  it('deletes audit events past their retention', async () => {
    const { runner } = await createRunner(server.db);
    await server.db.auditEvent.updateMany({ where: { targetId: runner.id }, data: { createdAt: new Date(Date.now() - 120_000) } });
    await until(async () => (await server.db.auditEvent.count({ where: { targetId: runner.id } })) === 0);
  });
});
