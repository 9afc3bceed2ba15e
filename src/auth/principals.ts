import type { Viewer } from './viewer.ts';

/** `PRINCIPAL_CACHE_TTL_MS`'s default: 10 s. */
export const DEFAULT_PRINCIPAL_CACHE_TTL_MS = 10_000;

/** What one token resolved to, kept for a short while. */
export interface CachedPrincipal {
  readonly viewer: Viewer;
  readonly tokenId: number;
  /** The token's expiry (ms since the epoch), checked on every use: an expired token is never served. */
  readonly expiresAt: number | null;
  /** When the token's last use was recorded (ms), so that a cached token still records it as GitLab does. */
  lastUsedAt: number | null;
}

interface Entry {
  readonly principal: CachedPrincipal;
  readonly until: number;
}

/**
 * Authenticated principals (token → user, admin flag, scopes, memberships), kept per process for `ttlMs`, so that
 * a client sending many requests costs one lookup per `ttlMs` instead of one per request.
 *
 * It is only trusted while this process hears every change that could make an entry wrong: the database notifies
 * `access` from inside the transaction that revokes or changes a token, blocks a user, changes an admin flag or a
 * membership (see the `live_events` migration), and the live hub calls `clear()` when it hears it, on every
 * replica. While the listening connection is down (`listening(false)`) nothing is served from the cache nor kept
 * in it. A lookup that started before a `clear()` is not kept either (`generation`): its row may predate the change.
 * Expiry is checked on every use; refusals are never cached.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  private generationCount = 0;
  private heard = false;

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Whether invalidations are heard right now; the cache is empty and unused while they are not. */
  listening(heard: boolean): void {
    this.heard = heard;
    this.clear();
  }

  /** Forgets everything (an `access` change, anywhere). */
  clear(): void {
    this.entries.clear();
    this.generationCount += 1;
  }

  /** Taken before a lookup, handed back to `keep`: a lookup that raced with a `clear()` is not kept. */
  get generation(): number {
    return this.generationCount;
  }

  /** The principal for this token digest, if cached, unexpired in the cache and while listening. */
  get(digest: string, now: number): CachedPrincipal | undefined {
    if (!this.heard || this.ttlMs <= 0) return undefined;
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(digest);
      return undefined;
    }
    return entry.principal;
  }

  forget(digest: string): void {
    this.entries.delete(digest);
  }

  keep(digest: string, principal: CachedPrincipal, generation: number, now: number): void {
    if (!this.heard || this.ttlMs <= 0 || generation !== this.generationCount) return;
    if (this.entries.size >= this.maxEntries) {
      // The oldest entry goes (a Map iterates in insertion order): enough to bound memory under a flood of tokens.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(digest, { principal, until: now + this.ttlMs });
  }
}
