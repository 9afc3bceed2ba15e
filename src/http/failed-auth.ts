import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * GitLab's failed-authentication ban (Rack::Attack's Allow2Ban, as `Gitlab::Auth::IpRateLimiter` uses it, with
 * the `rack_attack.git_basic_auth` settings): `maxRetry` failures from one IP within `findTimeSeconds` ban that IP
 * for `banTimeSeconds`. GitLab's defaults: 10 failures, 1 minute, 1 hour.
 */
export interface FailedAuthRule {
  readonly maxRetry: number;
  readonly findTimeSeconds: number;
  readonly banTimeSeconds: number;
}

export const DEFAULT_FAILED_AUTH: FailedAuthRule = { maxRetry: 10, findTimeSeconds: 60, banTimeSeconds: 3600 };

type Log = Pick<FastifyRequest['log'], 'warn' | 'error'>;

/** What the ban says about an IP now. */
export interface BanCheck {
  readonly allowed: boolean;
  /** Seconds until the IP may try again, when refused. */
  readonly retryAfter: number;
}

/**
 * Counts failed runner and registration token authentications per client IP. Only failures count, so runners
 * using valid tokens (a whole fleet behind one NAT address) are never held back by it; once banned, an IP's token
 * attempts are all refused, valid or not, until the ban ends, because answering a valid token during the ban would
 * still tell a guesser which guess was right.
 */
export class FailedTokenAuth {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    readonly rule: FailedAuthRule,
    keyPrefix: string,
    redis: Redis | null,
  ) {
    const options = { keyPrefix: `${keyPrefix}:failed-token-auth`, points: rule.maxRetry, duration: rule.findTimeSeconds };
    this.limiter = redis
      ? new RateLimiterRedis({
          ...options,
          storeClient: redis,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(options),
        })
      : new RateLimiterMemory(options);
  }

  /**
   * Whether `ip` may make `attempts` token authentications now: not while banned, and not more than the failures
   * it has left, so that one GraphQL request with many aliased guesses cannot go past the limit.
   */
  async check(ip: string, log: Log, attempts = 1): Promise<BanCheck> {
    let state: RateLimiterRes | null;
    try {
      state = await this.limiter.get(ip);
    } catch (error) {
      log.error({ err: error }, 'failed-auth limiter unavailable; attempt not checked');
      return { allowed: true, retryAfter: 0 };
    }
    const failures = state?.consumedPoints ?? 0;
    if (failures + attempts <= this.rule.maxRetry) return { allowed: true, retryAfter: 0 };
    // More guesses in one request than the limit allows at all: no wait makes them fit; say when the window ends.
    const wait = state ? state.msBeforeNext / 1000 : this.rule.findTimeSeconds;
    return { allowed: false, retryAfter: Math.max(1, Math.ceil(wait)) };
  }

  /** Records one failed authentication from `ip`; the `maxRetry`-th within the window bans it (Allow2Ban's rule). */
  async fail(ip: string, log: Log, count = 1): Promise<void> {
    try {
      const state = await this.limiter.penalty(ip, count);
      if (state.consumedPoints >= this.rule.maxRetry) {
        await this.limiter.block(ip, this.rule.banTimeSeconds);
        log.warn({ ip, failures: state.consumedPoints }, 'client IP banned after failed runner token authentications');
      }
    } catch (error) {
      log.error({ err: error }, 'failed-auth limiter unavailable; failure not counted');
    }
  }
}
