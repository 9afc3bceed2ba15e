import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { digestToken } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import { readToken } from '../graphql/context.ts';
import { sendJson } from '../rest/http.ts';
import { DEFAULT_FAILED_AUTH, type FailedAuthRule, FailedTokenAuth } from './failed-auth.ts';

/** At most `limit` requests per `periodSeconds`, in fixed windows that start at a key's first request. */
export interface RateLimitRule {
  readonly limit: number;
  readonly periodSeconds: number;
}

export interface RateLimitSettings {
  readonly enabled: boolean;
  /** Per user, whichever of their tokens they use, over /graphql and /api/v4 together. */
  readonly authenticated: RateLimitRule;
  /** Per client IP, for requests without a valid personal access token. */
  readonly unauthenticated: RateLimitRule;
  /** Per client IP, failed authentications with a runner or registration token: then a ban. */
  readonly failedAuth: FailedAuthRule;
  /** Shares the counters between replicas; unset keeps them in this process. */
  readonly redisUrl: string | null;
  readonly keyPrefix: string;
}

/** GitLab.com's API throttles (authenticated 2000/min, unauthenticated 500/min), and GitLab's failed-auth ban. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  enabled: true,
  authenticated: { limit: 2_000, periodSeconds: 60 },
  unauthenticated: { limit: 500, periodSeconds: 60 },
  failedAuth: DEFAULT_FAILED_AUTH,
  redisUrl: null,
  keyPrefix: 'runners-gateway:rate-limit',
};

/** GitLab's `RateLimit-Name` values for its API throttles. */
type Throttle = 'throttle_authenticated_api' | 'throttle_unauthenticated_api';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a route authenticates with, as the route declares it: a user's token, or a runner or registration token. */
    readonly credential?: 'user' | 'runner' | 'registration';
  }
}

/** Whether the route authenticates with a runner or registration token in the body, not with a user's token. */
function takesRunnerToken(request: FastifyRequest): boolean {
  const credential = request.routeOptions.config?.credential;
  return credential === 'runner' || credential === 'registration';
}

/** Load balancers and orchestrators probe these; throttling them would take a healthy replica out of service. */
const EXEMPT_ROUTES = new Set(['/-/liveness', '/-/readiness']);

export interface Decision {
  readonly allowed: boolean;
  /** GitLab's RateLimit-* headers, and Retry-After when refused. */
  readonly headers: Record<string, string>;
}

type Log = Pick<FastifyRequest['log'], 'warn' | 'error'>;

/** The counters, in memory or in Redis (falling back to memory while Redis cannot be reached). */
export class RateLimits {
  private readonly limiters: Record<Throttle, { rule: RateLimitRule; limiter: RateLimiterAbstract }>;
  private readonly redis: Redis | null;
  readonly failedAuth: FailedTokenAuth;

  constructor(readonly settings: RateLimitSettings) {
    this.redis = settings.redisUrl
      ? // No offline queue: while Redis is away a request must not wait for it, but use the in-memory insurance.
        new Redis(settings.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
      : null;
    const make = (name: string, rule: RateLimitRule): RateLimiterAbstract => {
      const options = { keyPrefix: `${settings.keyPrefix}:${name}`, points: rule.limit, duration: rule.periodSeconds };
      if (!this.redis) return new RateLimiterMemory(options);
      return new RateLimiterRedis({
        ...options,
        storeClient: this.redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      });
    };
    this.limiters = {
      throttle_authenticated_api: { rule: settings.authenticated, limiter: make('user', settings.authenticated) },
      throttle_unauthenticated_api: { rule: settings.unauthenticated, limiter: make('ip', settings.unauthenticated) },
    };
    this.failedAuth = new FailedTokenAuth(settings.failedAuth, settings.keyPrefix, this.redis);
  }

  /** Connects to Redis; when it cannot, the server still starts and counts in memory until Redis answers. */
  async connect(log: Log): Promise<void> {
    if (!this.redis) return;
    this.redis.on('error', (error: Error) => log.warn({ err: error }, 'rate limit store unavailable; counting in memory'));
    try {
      await this.redis.connect();
    } catch (error) {
      log.warn({ err: error }, 'rate limit store unreachable at start-up; counting in memory');
    }
  }

  async close(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') this.redis.disconnect();
  }

  async consume(throttle: Throttle, key: string, log: Log, points = 1): Promise<Decision> {
    const { rule, limiter } = this.limiters[throttle];
    let result: RateLimiterRes;
    let allowed = true;
    try {
      result = await limiter.consume(key, points);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        // The store failed outright (even the insurance): serving unthrottled beats refusing everyone.
        log.error({ err: rejection }, 'rate limiter failed; request not counted');
        return { allowed: true, headers: {} };
      }
      result = rejection;
      allowed = false;
    }
    return { allowed, headers: rateLimitHeaders(throttle, rule, result, allowed) };
  }
}

/** GitLab's headers (`Gitlab::RackAttack`): the reset as Unix time and as an HTTP date; Retry-After in seconds. */
function rateLimitHeaders(throttle: Throttle, rule: RateLimitRule, result: RateLimiterRes, allowed: boolean): Record<string, string> {
  const reset = Math.ceil((Date.now() + result.msBeforeNext) / 1000);
  const headers: Record<string, string> = {
    'RateLimit-Name': throttle,
    'RateLimit-Limit': String(rule.limit),
    'RateLimit-Observed': String(result.consumedPoints),
    'RateLimit-Remaining': String(Math.max(0, rule.limit - result.consumedPoints)),
    'RateLimit-Reset': String(reset),
    'RateLimit-ResetTime': new Date(reset * 1000).toUTCString(),
  };
  if (!allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(result.msBeforeNext / 1000)));
  return headers;
}

/**
 * The user behind a personal access token, so that all of a user's tokens share one budget. Answers are cached
 * briefly: this only picks a rate-limit bucket (the request is still authenticated in full), and a client
 * reusing its token costs no extra query.
 */
export function tokenOwners(db: Db, { ttlMs = 60_000, maxEntries = 10_000 } = {}): (token: string) => Promise<number | null> {
  const cache = new Map<string, { userId: number | null; until: number }>();
  return async (token) => {
    const digest = digestToken(token);
    const now = Date.now();
    const hit = cache.get(digest);
    if (hit && hit.until > now) return hit.userId;
    const row = await db.personalAccessToken.findUnique({ where: { digest }, select: { userId: true, revoked: true, expiresAt: true } });
    const userId = row && !row.revoked && (!row.expiresAt || row.expiresAt.getTime() > now) ? row.userId : null;
    cache.delete(digest);
    cache.set(digest, { userId, until: now + ttlMs });
    if (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    return userId;
  };
}

const RETRY_LATER = 'Retry later';

/** /api/v4 answers as GitLab's API does (`{"message":"Retry later"}`); /graphql as a GraphQL error. */
function refuse(request: FastifyRequest, reply: FastifyReply, graphqlPaths: readonly string[], headers: Record<string, string>) {
  reply.headers(headers);
  if (graphqlPaths.includes(request.routeOptions.url ?? '')) {
    return sendJson(reply, 429, { errors: [{ message: RETRY_LATER, extensions: { code: 'RATE_LIMITED' } }] });
  }
  return sendJson(reply, 429, { message: RETRY_LATER });
}

interface RateLimitPluginOptions {
  readonly limits: RateLimits;
  readonly tokenOwner: (token: string) => Promise<number | null>;
  readonly graphqlPaths: readonly string[];
}

/**
 * Counts every request but preflights and health probes, before anything else runs (so before the body is read):
 * a token in a header or the query string picks the user's budget; otherwise the client IP's. On the runner-token
 * endpoints, a banned IP is refused before its token is looked at, and each 403 (a token that authenticated
 * nothing) counts as a failure before the answer leaves.
 */
export const rateLimitPlugin = fp<RateLimitPluginOptions>(async (app, { limits, tokenOwner, graphqlPaths }) => {
  app.addHook('onReady', async () => limits.connect(app.log));
  app.addHook('onClose', async () => limits.close());
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url ?? '';
    if (request.method === 'OPTIONS' || EXEMPT_ROUTES.has(route)) return;
    let throttle: Throttle = 'throttle_unauthenticated_api';
    let key = `ip:${request.ip}`;
    const runnerToken = takesRunnerToken(request);
    if (!runnerToken) {
      const token = readToken(request.headers, request.query as { private_token?: unknown });
      const userId = token ? await tokenOwner(token).catch(() => null) : null;
      if (userId !== null) {
        throttle = 'throttle_authenticated_api';
        key = `user:${userId}`;
      }
    }
    const decision = await limits.consume(throttle, key, request.log);
    if (!decision.allowed) return refuse(request, reply, graphqlPaths, decision.headers);
    reply.headers(decision.headers);
    if (runnerToken) {
      const ban = await limits.failedAuth.check(request.ip, request.log);
      if (!ban.allowed) return refuse(request, reply, graphqlPaths, { 'Retry-After': String(ban.retryAfter) });
    }
  });
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode === 403 && takesRunnerToken(request)) {
      await limits.failedAuth.fail(request.ip, request.log);
    }
  });
});

/** Requests whose GraphQL operation holds token-taking mutations (see graphqlTokenAttempts). */
const tokenOperations = new WeakSet<FastifyRequest>();

/**
 * For /graphql's token-taking mutations (the limits module counts them, aliases included): refused while the IP is
 * banned, or when the request holds more guesses than the IP has failures left.
 */
export function graphqlTokenAttempts(limits: RateLimits) {
  return async ({ req }: { req: FastifyRequest; reply: FastifyReply }, attempts: number): Promise<GraphQLError | null> => {
    tokenOperations.add(req);
    const ban = await limits.failedAuth.check(req.ip, req.log, attempts);
    if (ban.allowed) return null;
    const headers = { 'Retry-After': String(ban.retryAfter) };
    return new GraphQLError(RETRY_LATER, { extensions: { code: 'RATE_LIMITED', http: { status: 429, headers } } });
  };
}

/**
 * Counts the failures of an operation that held token-taking mutations: each root field refused FORBIDDEN (the
 * schema's answer to a token that authenticates nothing) is one failed authentication.
 */
export function graphqlFailedTokenAuth(limits: RateLimits): Plugin<{ req: FastifyRequest }> {
  return {
    onExecute({ args }) {
      const request = args.contextValue.req;
      return {
        async onExecuteDone({ result }) {
          if (!tokenOperations.has(request) || !('errors' in result)) return;
          const failures = (result.errors ?? []).filter(
            (error) => error.path?.length === 1 && error.extensions?.code === 'FORBIDDEN',
          ).length;
          if (failures) await limits.failedAuth.fail(request.ip, request.log, failures);
        },
      };
    },
  };
}
