import { digestToken, generateToken, TOKEN_PREFIX } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import type { TokenScope } from '../db/generated/enums.ts';

export const ALL_SCOPES: readonly TokenScope[] = ['api', 'read_api', 'manage_runner', 'create_runner'];

/** Creates a personal access token and returns it in clear, the only time it is ever seen. */
export async function createPersonalAccessToken(
  db: Db,
  input: { userId: number; name: string; scopes: readonly TokenScope[]; expiresAt?: Date | null; token?: string },
) {
  const token = input.token ?? generateToken(TOKEN_PREFIX.personalAccess);
  const record = await db.personalAccessToken.create({
    data: {
      userId: input.userId,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expiresAt ?? null,
      digest: digestToken(token),
    },
  });
  return { token, record };
}

export type RegistrationScope = { kind: 'instance' } | { kind: 'group'; groupId: number } | { kind: 'project'; projectId: number };

/**
 * Replaces the registration token of the instance, a group or a project in one transaction: the old token stops
 * working the moment the new one exists, and the new one is returned in clear, once.
 */
export async function resetRegistrationToken(db: Db, scope: RegistrationScope, token?: string): Promise<string> {
  const value = token ?? (scope.kind === 'instance' ? generateToken('') : generateToken(TOKEN_PREFIX.registration));
  const owner =
    scope.kind === 'group'
      ? { groupId: scope.groupId, projectId: null }
      : scope.kind === 'project'
        ? { groupId: null, projectId: scope.projectId }
        : { groupId: null, projectId: null };
  const digest = digestToken(value);
  if (scope.kind === 'instance') {
    await db.$transaction([db.registrationToken.deleteMany({ where: owner }), db.registrationToken.create({ data: { ...owner, digest } })]);
  } else {
    // One row per group or project (a unique key): replaced in place, so two concurrent resets cannot collide.
    const where = scope.kind === 'group' ? { groupId: scope.groupId } : { projectId: scope.projectId };
    await db.registrationToken.upsert({ where, create: { ...owner, digest }, update: { digest, createdAt: new Date() } });
  }
  return value;
}
