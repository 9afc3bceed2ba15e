import type { Db } from '../db/client.ts';
import type { TokenScope } from '../db/generated/enums.ts';
import { createPersonalAccessToken } from './tokens.ts';
import { AttributeChecks } from './validation.ts';

const MAX_NAME = 255;

/**
 * Issues a personal access token after GitLab's PersonalAccessToken validations: a name, at least one scope,
 * and an expiry, if any, in the future. The token is returned in clear this once; only its digest is kept.
 */
export async function issuePersonalAccessToken(
  db: Db,
  input: { userId: number; name: string; scopes: readonly TokenScope[]; expiresAt?: Date | null },
  now = new Date(),
) {
  const checks = new AttributeChecks().present('name', input.name, MAX_NAME);
  if (!input.scopes.length) checks.add('scopes', "can't be blank");
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) checks.add('expires_at', 'must be in the future');
  checks.verify();
  return createPersonalAccessToken(db, { ...input, name: input.name.trim() });
}

/**
 * Revokes a token for good. Revoking a revoked token changes nothing and is no error, as GitLab's `revoke!`.
 */
export function revokePersonalAccessToken(db: Db, id: number) {
  return db.personalAccessToken.update({ where: { id }, data: { revoked: true } });
}
