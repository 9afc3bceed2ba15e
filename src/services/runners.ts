import { digestToken, generateToken, TOKEN_PREFIX, tokenPrefixOf } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import { Prisma } from '../db/generated/client.ts';
import type { RegistrationType, RunnerType } from '../db/generated/enums.ts';
import { RUNNER_DEFAULTS, type RunnerAttributes, runnerChanges } from '../runners/attributes.ts';
import { tokenExpiry } from './application-settings.ts';
import { type AuditActor, recordRunnerEvent, recordRunnerEvents } from './runner-audit.ts';
import { REGISTRATION_WINDOW_MS, sealToken } from './ephemeral-tokens.ts';
import { assertRunnerLimit } from './plan-limits.ts';

export interface NewRunner extends RunnerAttributes {
  runnerType: RunnerType;
  groupId?: number | null;
  projectId?: number | null;
  creatorId?: number | null;
  registrationType: RegistrationType;
  name?: string | null;
}

const TYPE_NUMBER: Record<RunnerType, number> = { instance_type: 1, group_type: 2, project_type: 3 };

/**
 * A new runner authentication token in GitLab's form (Ci::Runner#prefix_for_new_and_legacy_runner, GitLab 17.x on):
 * `t1_`, `t2_` or `t3_` by runner type, behind `glrt-` only for a runner created by a user (`POST /user/runners`,
 * `runnerCreate`). Tools tell the two ways a runner came to be by that prefix, and verify treats them differently.
 */
export function newRunnerToken(runner: { runnerType: RunnerType; registrationType: RegistrationType }) {
  const typePrefix = `t${TYPE_NUMBER[runner.runnerType]}_`;
  const token = generateToken(runner.registrationType === 'authenticated_user' ? `${TOKEN_PREFIX.runner}${typePrefix}` : typePrefix);
  return { token, tokenDigest: digestToken(token), tokenPrefix: tokenPrefixOf(token) };
}

/**
 * Validates and creates a runner with a fresh token (see newRunnerToken), returned in clear this once. A runner a
 * user creates keeps its token sealed for its creator until it registers (see ephemeral-tokens.ts). The audit event
 * (created by a user, or registered with a registration token of `registrar`) is written in the same transaction.
 */
export async function createRunner(
  db: Db,
  input: NewRunner,
  actor: AuditActor,
  { now = new Date(), registrar }: { now?: Date; registrar?: 'instance' | 'group' | 'project' } = {},
) {
  const data = runnerChanges(RUNNER_DEFAULTS, input);
  // The plan's limit on recent runners of the owning project or group (GitLab's Limitable on the new link).
  if (input.runnerType === 'project_type' && input.projectId) await assertRunnerLimit(db, { projectId: input.projectId });
  if (input.runnerType === 'group_type' && input.groupId) await assertRunnerLimit(db, { groupId: input.groupId });
  const { token, tokenDigest, tokenPrefix } = newRunnerToken(input);
  const sealed = input.registrationType === 'authenticated_user' ? sealToken(token, tokenDigest) : null;
  // Sealed tokens whose window has passed are of no use to anyone: drop them as new runners come.
  await db.runner.updateMany({
    where: { ephemeralTokenCiphertext: { not: null }, createdAt: { lte: new Date(now.getTime() - REGISTRATION_WINDOW_MS) } },
    data: { ephemeralTokenCiphertext: null },
  });
  const tokenExpiresAt = await tokenExpiry(db, input.runnerType);
  const runner = await db.$transaction(async (tx) => {
    const created = await tx.runner.create({
      data: {
        ...data,
        ephemeralTokenCiphertext: sealed,
        runnerType: input.runnerType,
        registrationType: input.registrationType,
        name: input.name ?? null,
        tokenDigest,
        tokenPrefix,
        tokenExpiresAt,
        groupId: input.runnerType === 'group_type' ? (input.groupId ?? null) : null,
        creatorId: input.creatorId ?? null,
        ...(input.runnerType === 'project_type' && input.projectId ? { runnerProjects: { create: { projectId: input.projectId } } } : {}),
      },
    });
    const registered = input.registrationType === 'registration_token';
    await recordRunnerEvent(tx, actor, {
      runnerId: created.id,
      action: registered ? 'registered' : 'created',
      details: { registration_type: input.registrationType, ...(registered && registrar ? { registration_token_scope: registrar } : {}) },
    });
    return created;
  });
  return { runner, token };
}

type Tx = Prisma.TransactionClient;

/**
 * The runners among `ids` that still exist and match `where`, locked for the rest of the caller's transaction, so
 * that what is recorded is what is then changed, whatever concurrent requests do meanwhile. Oldest first.
 */
async function lockRunners(tx: Tx, ids: readonly number[], where: Prisma.RunnerWhereInput) {
  if (!ids.length) return [];
  await tx.$queryRaw`SELECT "id" FROM "Runner" WHERE "id" IN (${Prisma.join(ids)}) ORDER BY "id" FOR UPDATE`;
  return tx.runner.findMany({
    where: { AND: [{ id: { in: [...ids] } }, where] },
    select: { id: true, paused: true },
    orderBy: { id: 'asc' },
  });
}

/**
 * Deletes the runners among `ids` that still exist and match `where`, each with its audit event (`deleted`, or
 * `pruned` by the stale-runner prune), in the caller's transaction. Returns the ids deleted.
 */
export async function deleteRunners(
  tx: Tx,
  ids: readonly number[],
  actor: AuditActor,
  {
    where = {},
    action = 'deleted',
    details,
  }: { where?: Prisma.RunnerWhereInput; action?: 'deleted' | 'pruned'; details?: Record<string, string> } = {},
): Promise<number[]> {
  const present = (await lockRunners(tx, ids, where)).map((runner) => runner.id);
  if (!present.length) return [];
  await recordRunnerEvents(
    tx,
    actor,
    present.map((runnerId) => ({ runnerId, action, details })),
  );
  await tx.runner.deleteMany({ where: { id: { in: present } } });
  return present;
}

/**
 * Pauses or unpauses the runners among `ids` that still exist and match `where`, in the caller's transaction; each
 * runner whose state changes gets its audit event. Returns the ids updated.
 */
export async function setRunnersPaused(
  tx: Tx,
  ids: readonly number[],
  paused: boolean,
  actor: AuditActor,
  { where = {}, details }: { where?: Prisma.RunnerWhereInput; details?: Record<string, string> } = {},
): Promise<number[]> {
  const present = await lockRunners(tx, ids, where);
  if (!present.length) return [];
  const updated = present.map((runner) => runner.id);
  await tx.runner.updateMany({ where: { id: { in: updated } }, data: { paused } });
  const changed = present.filter((runner) => runner.paused !== paused);
  await recordRunnerEvents(
    tx,
    actor,
    changed.map((runner) => ({
      runnerId: runner.id,
      action: paused ? 'paused' : 'unpaused',
      changes: [{ attribute: 'paused', from: !paused, to: paused }],
      details,
    })),
  );
  return updated;
}
