import { Access } from '../auth/access.ts';
import { RunnerPolicy } from '../auth/runner-policy.ts';
import { authenticate, type Viewer } from '../auth/viewer.ts';
import type { Db } from '../db/client.ts';
import { refusal } from './refusal.ts';

/** Who a subscriber is at the moment an event is delivered, and the rules that apply to them. */
export interface LiveSession {
  /**
   * Who the session renders for: sessions with the same key (the same user, with the same token scopes, or both
   * anonymous) see the same of every runner, so what one is sent another may be sent too.
   */
  readonly key: string;
  readonly viewer: Viewer | null;
  readonly access: Access;
  readonly policy: RunnerPolicy;
}

/**
 * Re-checks subscribers' tokens when events are delivered, cheaply: one lookup per token (shared by every
 * subscription made with it) until the access of anyone changes (`clear()`, on an `access` event: a revoked token,
 * a changed membership) or `ttlMs` passes (a token reaching its expiry date changes no row).
 */
export class LiveSessions {
  private readonly entries = new Map<string, { until: number; session: Promise<LiveSession> }>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  clear(): void {
    this.entries.clear();
  }

  /** The token's session now; rejects with GitLab's reason (UNAUTHENTICATED, FORBIDDEN) when it may no longer be used. */
  check(token: string | null): Promise<LiveSession> {
    const key = token ?? '';
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.session;
    const session = this.load(token);
    // A refusal is kept too: every subscription of a revoked token ends on the same single query. A failure of the
    // database is not: the next event tries again.
    session.catch((error: unknown) => {
      if (!refusal(error) && this.entries.get(key)?.session === session) this.entries.delete(key);
    });
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { until: now + this.ttlMs, session });
    return session;
  }

  private async load(token: string | null): Promise<LiveSession> {
    const viewer = token ? await authenticate(this.db, token) : null;
    const access = await Access.load(this.db, viewer);
    return { key: sessionKey(viewer), viewer, access, policy: new RunnerPolicy(access) };
  }
}

/** See `LiveSession.key`. */
export function sessionKey(viewer: Viewer | null): string {
  return viewer ? `${viewer.id}:${[...viewer.scopes].sort().join(',')}` : '';
}
