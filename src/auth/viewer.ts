import type { Db } from '../db/client.ts';
import type { TokenScope } from '../db/generated/enums.ts';
import { forbidden, unauthenticated } from '../errors.ts';
import type { PrincipalCache } from './principals.ts';
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
 * hears of a failed last-use update, which must not fail the request. With a `cache`, a token used again within
 * its time-to-live costs no statement (see PrincipalCache for when it is trusted); its expiry is still checked.
 */
export async function authenticate(
  db: Db,
  token: string,
  onBookkeepingError: (error: unknown) => void = () => {},
  cache?: PrincipalCache,
): Promise<Viewer> {
  const digest = digestToken(token);
  const now = Date.now();
  const cached = cache?.get(digest, now);
  if (cached) {
    if (cached.expiresAt !== null && cached.expiresAt <= now) {
      cache?.forget(digest);
      throw unauthenticated('expired');
    }
    if (cached.lastUsedAt === null || now - cached.lastUsedAt > LAST_USED_RESOLUTION_MS) {
      cached.lastUsedAt = now;
      recordUse(db, cached.tokenId, now, onBookkeepingError);
    }
    return cached.viewer;
  }
  const generation = cache?.generation ?? 0;
  const record = await db.personalAccessToken.findUnique({
    where: { digest },
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
  if (record.expiresAt && record.expiresAt.getTime() <= now) throw unauthenticated('expired');
  if (record.user.state !== 'active') throw forbidden('Your account has been blocked.');
  let lastUsedAt = record.lastUsedAt?.getTime() ?? null;
  if (lastUsedAt === null || now - lastUsedAt > LAST_USED_RESOLUTION_MS) {
    lastUsedAt = now;
    recordUse(db, record.id, now, onBookkeepingError);
  }
  const { user } = record;
  const viewer: Viewer = {
    id: user.id,
    username: user.username,
    admin: user.admin,
    scopes: record.scopes,
    memberships: { groups: user.groupMemberships, projects: user.projectMemberships },
  };
  cache?.keep(digest, { viewer, tokenId: record.id, expiresAt: record.expiresAt?.getTime() ?? null, lastUsedAt }, generation, now);
  return viewer;
}

/** Bookkeeping only: a failure here must not fail the request that used the token. */
function recordUse(db: Db, tokenId: number, now: number, onBookkeepingError: (error: unknown) => void): void {
  db.personalAccessToken.update({ where: { id: tokenId }, data: { lastUsedAt: new Date(now) } }).catch(onBookkeepingError);
}
