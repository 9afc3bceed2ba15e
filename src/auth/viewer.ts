import type { Db } from '../db/client.ts';
import type { TokenScope } from '../db/generated/enums.ts';
import { forbidden, unauthenticated } from '../errors.ts';
import { digestToken, tokenMatches } from './tokens.ts';

/** The authenticated user behind a request, and what their token lets them do. */
export interface Viewer {
  readonly id: number;
  readonly username: string;
  readonly admin: boolean;
  readonly scopes: readonly TokenScope[];
  /** The user's direct memberships, read with the token in the same statement; `Access.load` uses them. */
  readonly memberships?: {
    readonly groups: readonly { readonly groupId: number; readonly accessLevel: number }[];
    readonly projects: readonly { readonly projectId: number; readonly accessLevel: number }[];
  };
}

// GitLab writes last_used_at at most every 10 minutes: a token used in a tight loop costs no writes.
const LAST_USED_RESOLUTION_MS = 10 * 60 * 1000;

/**
 * Resolves a personal access token to its viewer, or throws GitLab's reason for refusing it. `onBookkeepingError`
 * hears of a failed last-use update, which must not fail the request.
 */
export async function authenticate(db: Db, token: string, onBookkeepingError: (error: unknown) => void = () => {}): Promise<Viewer> {
  const record = await db.personalAccessToken.findUnique({
    where: { digest: digestToken(token) },
    select: {
      id: true,
      digest: true,
      scopes: true,
      expiresAt: true,
      revoked: true,
      lastUsedAt: true,
      user: {
        select: {
          id: true,
          username: true,
          admin: true,
          state: true,
          groupMemberships: { select: { groupId: true, accessLevel: true } },
          projectMemberships: { select: { projectId: true, accessLevel: true } },
        },
      },
    },
  });
  if (!record || !tokenMatches(token, record.digest)) throw unauthenticated('invalid');
  if (record.revoked) throw unauthenticated('revoked');
  const now = Date.now();
  if (record.expiresAt && record.expiresAt.getTime() <= now) throw unauthenticated('expired');
  if (record.user.state !== 'active') throw forbidden('Your account has been blocked.');
  if (!record.lastUsedAt || now - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // Bookkeeping only: a failure here must not fail the request that used the token.
    db.personalAccessToken.update({ where: { id: record.id }, data: { lastUsedAt: new Date(now) } }).catch(onBookkeepingError);
  }
  const { user } = record;
  return {
    id: user.id,
    username: user.username,
    admin: user.admin,
    scopes: record.scopes,
    memberships: { groups: user.groupMemberships, projects: user.projectMemberships },
  };
}
