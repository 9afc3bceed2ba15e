import { isIP } from 'node:net';
import { digestToken, tokenMatches } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import type { Prisma, Runner } from '../db/generated/client.ts';
import { forbidden, gone, ValidationFailed } from '../graphql/errors.ts';
import type { RunnerAttributes } from '../runners/validate.ts';
import { createRunner, type NewRunner, newRunnerToken, tokenExpiry } from './runners.ts';

// The operations a runner performs with its own tokens (GitLab's lib/api/ci/runner.rb), shared by GraphQL and REST.

const INVALID_REGISTRATION_TOKEN = 'invalid token supplied';

/** The host facts a runner reports when it registers (GitLab's `info`), plus the address it called from. */
export interface RunnerHostInfo {
  name?: string | null;
  version?: string | null;
  revision?: string | null;
  platform?: string | null;
  architecture?: string | null;
  executor?: string | null;
  ipAddress?: string | null;
}

const HOST_LIMITS = { name: 256, version: 64, revision: 64, platform: 64, architecture: 64, executor: 64 } as const;

function unexpired(now: Date): Prisma.RunnerWhereInput {
  return { OR: [{ tokenExpiresAt: null }, { tokenExpiresAt: { gt: now } }] };
}

/**
 * The runner a runner authentication token belongs to; null when no runner has it or it has expired, which
 * GitLab answers alike (403 without a reason), so callers cannot tell a dead token from a wrong one.
 */
export async function authenticateRunner(db: Db, token: string, now = new Date()): Promise<Runner | null> {
  if (!token) return null;
  const runner = await db.runner.findFirst({ where: { tokenDigest: digestToken(token), ...unexpired(now) } });
  return runner && tokenMatches(token, runner.tokenDigest) ? runner : null;
}

function hostErrors(info: RunnerHostInfo): { attribute: string; message: string }[] {
  const errors: { attribute: string; message: string }[] = [];
  for (const [attribute, max] of Object.entries(HOST_LIMITS) as [keyof typeof HOST_LIMITS, number][]) {
    if ((info[attribute]?.length ?? 0) > max) errors.push({ attribute, message: `is too long (maximum is ${max} characters)` });
  }
  if (info.ipAddress && !isIP(info.ipAddress)) errors.push({ attribute: 'ip_address', message: 'is invalid' });
  return errors;
}

/**
 * GitLab's RegisterRunnerService: the registration token decides the runner's type and owner (the instance's,
 * a group's or a project's token). A blank or unknown token is FORBIDDEN "invalid token supplied"; with
 * registration tokens switched off for the instance any other token is GONE, as GitLab answers 410 then.
 */
export async function registerRunner(db: Db, registrationToken: string, attributes: RunnerAttributes, info: RunnerHostInfo = {}) {
  if (!registrationToken.trim()) throw forbidden(INVALID_REGISTRATION_TOKEN);
  const setting = await db.applicationSetting.findUnique({ where: { id: 1 }, select: { allowRunnerRegistrationToken: true } });
  if (setting && !setting.allowRunnerRegistrationToken) throw gone('runner registration disallowed');
  const registration = await db.registrationToken.findUnique({ where: { digest: digestToken(registrationToken) } });
  if (!registration || !tokenMatches(registrationToken, registration.digest)) throw forbidden(INVALID_REGISTRATION_TOKEN);

  const invalidHost = hostErrors(info);
  if (invalidHost.length) throw new ValidationFailed(invalidHost);
  const owner: Pick<NewRunner, 'runnerType' | 'groupId' | 'projectId'> =
    registration.projectId !== null
      ? { runnerType: 'project_type', projectId: registration.projectId }
      : registration.groupId !== null
        ? { runnerType: 'group_type', groupId: registration.groupId }
        : { runnerType: 'instance_type' };
  const { name, ...host } = info;
  return createRunner(db, { ...attributes, ...owner, registrationType: 'registration_token', name, host });
}

/**
 * Replaces a runner's authentication token, but only while it is still the one with `currentDigest`: the
 * update is conditional on the old digest, so of two concurrent resets exactly one wins and the old token
 * stops working at once. With `requireUnexpired` (a runner resetting its own token) an expired token cannot
 * be renewed either. Returns null when the condition no longer held.
 */
export async function rotateRunnerToken(
  db: Db,
  runnerId: number,
  currentDigest: string,
  { requireUnexpired = false, now = new Date() }: { requireUnexpired?: boolean; now?: Date } = {},
): Promise<{ token: string; tokenExpiresAt: Date | null } | null> {
  const { token, tokenDigest, tokenPrefix } = newRunnerToken();
  const tokenExpiresAt = await tokenExpiry(db, now.getTime());
  const { count } = await db.runner.updateMany({
    where: { id: runnerId, tokenDigest: currentDigest, ...(requireUnexpired ? unexpired(now) : {}) },
    // A new token ends the registration window's sealed copy of the old one.
    data: { tokenDigest, tokenPrefix, tokenExpiresAt, ephemeralTokenCiphertext: null },
  });
  return count === 1 ? { token, tokenExpiresAt } : null;
}

/**
 * Records that the runner contacted us (GitLab's heartbeat). GitLab writes contacted_at with update_columns,
 * leaving updated_at alone: a heartbeat is no change to the runner and must not defeat If-Unmodified-Since.
 * Prisma would bump `updatedAt` on any update, hence the SQL. Columns hold UTC without a time zone.
 * A runner in contact has registered, so the sealed copy of its token for its creator goes (GitLab's
 * registration window closes).
 */
export async function recordContact(db: Pick<Db, '$executeRaw'>, runnerId: number, at = new Date()): Promise<void> {
  await db.$executeRaw`UPDATE "Runner" SET "contactedAt" = (${at.toISOString()}::timestamptz AT TIME ZONE 'UTC'), "ephemeralTokenCiphertext" = NULL WHERE "id" = ${runnerId}`;
}
