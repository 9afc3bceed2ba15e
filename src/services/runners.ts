import { digestToken, generateToken, TOKEN_PREFIX, tokenPrefixOf } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import type { RegistrationType, RunnerType } from '../db/generated/enums.ts';
import { type RunnerAttributes, runnerChanges } from '../runners/validate.ts';
import { REGISTRATION_WINDOW_MS, sealToken } from './ephemeral-tokens.ts';

/** GitLab's minimum runner token lifetime, so runners have time to rotate. */
export const MIN_TOKEN_EXPIRATION_SECONDS = 7200;

export interface NewRunner extends RunnerAttributes {
  runnerType: RunnerType;
  groupId?: number | null;
  projectId?: number | null;
  creatorId?: number | null;
  registrationType: RegistrationType;
  name?: string | null;
  host?: { version?: string | null; revision?: string | null; platform?: string | null; architecture?: string | null; executor?: string | null; ipAddress?: string | null };
}

/** When a runner token issued now expires, from the instance setting (null: never). */
export async function tokenExpiry(db: Db, now = Date.now()): Promise<Date | null> {
  const setting = await db.applicationSetting.findUnique({ where: { id: 1 }, select: { runnerTokenExpirationInterval: true } });
  const seconds = setting?.runnerTokenExpirationInterval;
  return seconds ? new Date(now + Math.max(seconds, MIN_TOKEN_EXPIRATION_SECONDS) * 1000) : null;
}

export function newRunnerToken() {
  const token = generateToken(TOKEN_PREFIX.runner);
  return { token, tokenDigest: digestToken(token), tokenPrefix: tokenPrefixOf(token) };
}

/**
 * Validates and creates a runner with a fresh `glrt-` token, returned in clear this once. A runner a user
 * creates keeps its token sealed for its creator until it registers (see ephemeral-tokens.ts).
 */
export async function createRunner(db: Db, input: NewRunner, now = new Date()) {
  const data = runnerChanges({ description: '', maintenanceNote: null, maximumTimeout: null, runUntagged: true, tagList: [] }, input);
  const { token, tokenDigest, tokenPrefix } = newRunnerToken();
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
      tokenExpiresAt: await tokenExpiry(db),
      groupId: input.runnerType === 'group_type' ? (input.groupId ?? null) : null,
      creatorId: input.creatorId ?? null,
      ...(input.host ?? {}),
      ...(input.runnerType === 'project_type' && input.projectId ? { runnerProjects: { create: { projectId: input.projectId } } } : {}),
    },
  });
  return { runner, token };
}
