import { digestToken, generateToken, TOKEN_PREFIX, tokenPrefixOf } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import type { RegistrationType, RunnerType } from '../db/generated/enums.ts';
import { type RunnerAttributes, runnerChanges } from '../runners/validate.ts';
import { tokenExpiry } from './application-settings.ts';
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
 * user creates keeps its token sealed for its creator until it registers (see ephemeral-tokens.ts).
 */
export async function createRunner(db: Db, input: NewRunner, now = new Date()) {
  const data = runnerChanges({ description: '', maintenanceNote: null, maximumTimeout: null, runUntagged: true, tagList: [] }, input);
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
  const runner = await db.runner.create({
    data: {
      ...data,
      ephemeralTokenCiphertext: sealed,
      runnerType: input.runnerType,
      registrationType: input.registrationType,
      name: input.name ?? null,
      tokenDigest,
      tokenPrefix,
      tokenExpiresAt: await tokenExpiry(db, input.runnerType),
      groupId: input.runnerType === 'group_type' ? (input.groupId ?? null) : null,
      creatorId: input.creatorId ?? null,
      ...(input.runnerType === 'project_type' && input.projectId ? { runnerProjects: { create: { projectId: input.projectId } } } : {}),
    },
  });
  return { runner, token };
}
