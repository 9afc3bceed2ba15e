import { digestToken, TOKEN_PREFIX, tokenMatches } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import type { Prisma, Runner } from '../db/generated/client.ts';
import type { RegistrationType, RunnerType } from '../db/generated/enums.ts';
import { isPrismaError } from '../db/errors.ts';
import { forbidden, gone, ValidationFailed } from '../errors.ts';
import type { RunnerAttributes } from '../runners/attributes.ts';
import { type HostFacts, recordHostContact } from './runner-managers.ts';
import { runnerSettings, tokenExpiry } from './application-settings.ts';
import { createRunner, type NewRunner, newRunnerToken } from './runners.ts';
import { type AuditActor, recordRunnerEvent, runnerActor } from './runner-audit.ts';

// The operations a runner performs with its own tokens (GitLab's lib/api/ci/runner.rb), shared by GraphQL and REST.

const INVALID_REGISTRATION_TOKEN = 'invalid token supplied';

/**
 * What a runner reports when it registers (GitLab's `info`). GitLab keeps only the name: the host's facts belong to
 * its runner manager, which its first contact creates (see runner-managers.ts).
 */
export interface RunnerHostInfo {
  name?: string | null;
}

const NAME_MAX = 256;

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
  return (info.name?.length ?? 0) > NAME_MAX ? [{ attribute: 'name', message: `is too long (maximum is ${NAME_MAX} characters)` }] : [];
}

/**
 * GitLab's RegisterRunnerService: the registration token decides the runner's type and owner (the instance's,
 * a group's or a project's token). A blank or unknown token is FORBIDDEN "invalid token supplied"; with
 * registration tokens switched off for the instance any other token is GONE, as GitLab answers 410 then.
 */
export async function registerRunner(
  db: Db,
  registrationToken: string,
  attributes: RunnerAttributes,
  info: RunnerHostInfo = {},
  ipAddress: string | null = null,
) {
  if (!registrationToken.trim()) throw forbidden(INVALID_REGISTRATION_TOKEN);
  const settings = await runnerSettings(db);
  if (!settings.allowRunnerRegistrationToken) throw gone('runner registration disallowed');
  const registration = await db.registrationToken.findUnique({ where: { digest: digestToken(registrationToken) } });
  if (!registration || !tokenMatches(registrationToken, registration.digest)) throw forbidden(INVALID_REGISTRATION_TOKEN);
  // GitLab's valid_runner_registrars: a project's or group's token registers nothing unless its kind is listed,
  // and is then answered as any token that matches nothing.
  const registrar = registration.projectId !== null ? 'project' : registration.groupId !== null ? 'group' : null;
  if (registrar && !settings.validRunnerRegistrars.includes(registrar)) throw forbidden(INVALID_REGISTRATION_TOKEN);

  const invalidHost = hostErrors(info);
  if (invalidHost.length) throw new ValidationFailed(invalidHost);
  const owner: Pick<NewRunner, 'runnerType' | 'groupId' | 'projectId'> =
    registration.projectId !== null
      ? { runnerType: 'project_type', projectId: registration.projectId }
      : registration.groupId !== null
        ? { runnerType: 'group_type', groupId: registration.groupId }
        : { runnerType: 'instance_type' };
  // The new runner is its own author: it registers with a token of its owner, which is never recorded.
  return createRunner(
    db,
    { ...attributes, ...owner, registrationType: 'registration_token', name: info.name },
    runnerActor(null, ipAddress),
    {
      registrar: registrar ?? 'instance',
    },
  );
}

/**
 * Replaces a runner's authentication token, but only while it is still the one with `currentDigest`: the
 * update is conditional on the old digest, so of two concurrent resets exactly one wins and the old token
 * stops working at once. With `requireUnexpired` (a runner resetting its own token) an expired token cannot
 * be renewed either. Returns null when the condition no longer held. The audit event (no token in it, only the
 * new expiry) is written with the change.
 */
export async function rotateRunnerToken(
  db: Db,
  runner: { id: number; runnerType: RunnerType; registrationType: RegistrationType },
  currentDigest: string,
  actor: AuditActor,
  { requireUnexpired = false, now = new Date() }: { requireUnexpired?: boolean; now?: Date } = {},
): Promise<{ token: string; tokenExpiresAt: Date | null } | null> {
  // The new token keeps the form of the old: a runner's type and how it came to be never change.
  const { token, tokenDigest, tokenPrefix } = newRunnerToken(runner);
  const tokenExpiresAt = await tokenExpiry(db, runner.runnerType, now.getTime());
  return db.$transaction(async (tx) => {
    const { count } = await tx.runner.updateMany({
      where: { id: runner.id, tokenDigest: currentDigest, ...(requireUnexpired ? unexpired(now) : {}) },
      // A new token ends the registration window's sealed copy of the old one.
      data: { tokenDigest, tokenPrefix, tokenExpiresAt, ephemeralTokenCiphertext: null },
    });
    if (count !== 1) return null;
    await recordRunnerEvent(tx, actor, {
      runnerId: runner.id,
      action: 'token_reset',
      details: { token_expires_at: tokenExpiresAt?.toISOString() ?? null },
    });
    return { token, tokenExpiresAt };
  });
}

/**
 * GitLab's `POST /runners/verify`: the token's runner, with the contact recorded on the manager named by `systemId`
 * (created on its first contact). A runner created by a user (its token starts with `glrt-`) is not marked contacted
 * by verifying, as in GitLab 16.x–17.x: it stays "never contacted" until it asks for a job. Null for a dead token.
 */
export async function verifyRunner(db: Db, token: string, contact: { systemId?: string | null; facts?: HostFacts } = {}) {
  const runner = await authenticateRunner(db, token);
  if (!runner) return null;
  const createdByUser = token.startsWith(TOKEN_PREFIX.runner);
  try {
    // One transaction: the runner's and its manager's rows change together, and subscribers hear of it once.
    await db.$transaction((tx) => recordHostContact(tx, runner.id, { ...contact, updateContactedAt: !createdByUser }));
  } catch (error) {
    // Deleted between the token check and the contact: the token is dead, as if it had been checked a moment later.
    if (isPrismaError(error, 'P2003')) return null;
    throw error;
  }
  return runner;
}
