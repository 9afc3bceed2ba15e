import {
  DEFAULT_POOL_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  DEFAULT_TRANSACTION_MAX_WAIT_MS,
  DEFAULT_TRANSACTION_TIMEOUT_MS,
} from './db/client.ts';
import { DEFAULT_GRAPHQL_LIMITS, type GraphQLLimits } from './graphql/limits.ts';
import { DEFAULT_PRINCIPAL_CACHE_TTL_MS } from './auth/principals.ts';
import { DEFAULT_ANSWER_CACHE_BYTES } from './http/answer-cache.ts';
import { DEFAULT_FAILED_AUTH } from './http/failed-auth.ts';
import { ONLINE_CONTACT_TIMEOUT_MS, STALE_TIMEOUT_MS } from './runners/status.ts';
import { DEFAULT_RATE_LIMITS, type RateLimitRule, type RateLimitSettings } from './http/rate-limit.ts';

/** Every setting the server reads from its environment, parsed once at start-up. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Unset: the embedded PGlite database under `dataDir`. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** GitLab's external_url; `null`: links are built from each request's scheme and host. */
  readonly externalUrl: string | null;
  /** Origins browsers may call the API from; `*` allows any. */
  readonly corsOrigins: readonly string[];
  readonly initialRootToken: string | null;
  readonly initialRegistrationToken: string | null;
  /** Secret the sealed runner tokens of the registration window are encrypted with; null: one per process. */
  readonly tokenEncryptionKey: string | null;
  readonly dbPoolMax: number;
  readonly dbPoolTimeoutMs: number;
  readonly dbStatementTimeoutMs: number;
  readonly dbTransactionMaxWaitMs: number;
  readonly dbTransactionTimeoutMs: number;
  /** PostgreSQL: Prisma's statements as named prepared statements (off for PgBouncer in transaction mode). */
  readonly dbPreparedStatements: boolean;
  /** PostgreSQL: the `jit` setting of the server's connections (off by default: see PostgresOptions.jit). */
  readonly dbJit: boolean;
  /** How long SIGTERM waits for in-flight requests before the process exits anyway (with status 1). */
  readonly shutdownTimeoutMs: number;
  readonly logLevel: string;
  readonly graphiql: boolean;
  readonly graphqlLimits: GraphQLLimits;
  readonly rateLimits: RateLimitSettings;
  /** Fastify's `trustProxy`: whether (or which) proxies' X-Forwarded-For to believe for the client IP. */
  readonly trustProxy: boolean | string;
  /** When runners count as offline and stale (GitLab's 2 hours and 7 days), and how often status changes are swept. */
  readonly runnerOnlineTimeoutMs: number;
  readonly runnerStaleTimeoutMs: number;
  readonly liveSweepIntervalMs: number;
  /** How often stale runners are pruned (in groups and an instance that allow it), and after how long without contact. */
  readonly runnerPruneIntervalMs: number;
  readonly runnerPruneStaleAfterMs: number;
  /** How long audit events are kept; null: forever. */
  readonly auditEventRetentionMs: number | null;
  /** How long an authenticated token is reused without a lookup; 0 turns the cache off. */
  readonly principalCacheTtlMs: number;
  /** ETags and 304s on the APIs' GET answers. */
  readonly etags: boolean;
  /** Bytes of GET answers kept by ETag for pollers (see AnswerCache); 0: none. */
  readonly answerCacheBytes: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function rule(env: NodeJS.ProcessEnv, name: string, fallback: RateLimitRule): RateLimitRule {
  return {
    limit: integer(env, name, fallback.limit, 1),
    periodSeconds: integer(env, 'RATE_LIMIT_PERIOD_SECONDS', fallback.periodSeconds, 1),
  };
}

/** `true`/`false`, or a comma-separated list of proxy addresses and CIDR ranges. */
function trustProxy(raw: string | undefined): boolean | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  return raw === 'true' ? true : raw;
}

/** A secret setting, unset or at least `min` characters long (as GitLab requires of its db_key_base). */
function secret(env: NodeJS.ProcessEnv, name: string, min: number): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  if (raw.length < min) throw new Error(`${name} must be at least ${min} characters long`);
  return raw;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 4000);
  const host = env.HOST || '0.0.0.0';
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL || null,
    dataDir: env.DATA_DIR || './data',
    externalUrl: env.EXTERNAL_URL ? env.EXTERNAL_URL.replace(/\/+$/, '') : null,
    corsOrigins: list(env.CORS_ORIGINS),
    initialRootToken: env.INITIAL_ROOT_TOKEN || null,
    initialRegistrationToken: env.INITIAL_REGISTRATION_TOKEN || null,
    tokenEncryptionKey: secret(env, 'TOKEN_ENCRYPTION_KEY', 32),
    dbPoolMax: integer(env, 'DB_POOL_MAX', 10, 1),
    dbPoolTimeoutMs: integer(env, 'DB_POOL_TIMEOUT_MS', DEFAULT_POOL_TIMEOUT_MS, 1),
    dbStatementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', DEFAULT_STATEMENT_TIMEOUT_MS, 1),
    dbTransactionMaxWaitMs: integer(env, 'DB_TRANSACTION_MAX_WAIT_MS', DEFAULT_TRANSACTION_MAX_WAIT_MS, 1),
    dbTransactionTimeoutMs: integer(env, 'DB_TRANSACTION_TIMEOUT_MS', DEFAULT_TRANSACTION_TIMEOUT_MS, 1),
    dbPreparedStatements: env.DB_PREPARED_STATEMENTS !== 'false',
    dbJit: env.DB_JIT === 'true',
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 30_000, 1),
    logLevel: env.LOG_LEVEL || 'info',
    graphiql: env.GRAPHIQL !== 'false',
    graphqlLimits: {
      maxDepth: integer(env, 'GRAPHQL_MAX_DEPTH', DEFAULT_GRAPHQL_LIMITS.maxDepth, 1),
      maxDepthUnauthenticated: integer(env, 'GRAPHQL_MAX_DEPTH_UNAUTHENTICATED', DEFAULT_GRAPHQL_LIMITS.maxDepthUnauthenticated, 1),
      maxComplexity: integer(env, 'GRAPHQL_MAX_COMPLEXITY', DEFAULT_GRAPHQL_LIMITS.maxComplexity, 1),
      maxComplexityAdmin: integer(env, 'GRAPHQL_MAX_COMPLEXITY_ADMIN', DEFAULT_GRAPHQL_LIMITS.maxComplexityAdmin, 1),
      maxComplexityUnauthenticated: integer(
        env,
        'GRAPHQL_MAX_COMPLEXITY_UNAUTHENTICATED',
        DEFAULT_GRAPHQL_LIMITS.maxComplexityUnauthenticated,
        1,
      ),
      maxQueryLength: integer(env, 'GRAPHQL_MAX_QUERY_LENGTH', DEFAULT_GRAPHQL_LIMITS.maxQueryLength, 1),
      maxAliases: integer(env, 'GRAPHQL_MAX_ALIASES', DEFAULT_GRAPHQL_LIMITS.maxAliases, 0),
      maxTokens: integer(env, 'GRAPHQL_MAX_TOKENS', DEFAULT_GRAPHQL_LIMITS.maxTokens, 1),
      maxDirectives: integer(env, 'GRAPHQL_MAX_DIRECTIVES', DEFAULT_GRAPHQL_LIMITS.maxDirectives, 0),
      timeoutMs: integer(env, 'GRAPHQL_TIMEOUT_MS', DEFAULT_GRAPHQL_LIMITS.timeoutMs, 1),
      maxConcurrentCost: integer(env, 'GRAPHQL_MAX_CONCURRENT_COST', DEFAULT_GRAPHQL_LIMITS.maxConcurrentCost, 1),
    },
    rateLimits: {
      enabled: env.RATE_LIMIT_ENABLED !== 'false',
      authenticated: rule(env, 'RATE_LIMIT_AUTHENTICATED', DEFAULT_RATE_LIMITS.authenticated),
      unauthenticated: rule(env, 'RATE_LIMIT_UNAUTHENTICATED', DEFAULT_RATE_LIMITS.unauthenticated),
      failedAuth: {
        maxRetry: integer(env, 'RATE_LIMIT_FAILED_AUTH_MAX_RETRY', DEFAULT_FAILED_AUTH.maxRetry, 1),
        findTimeSeconds: integer(env, 'RATE_LIMIT_FAILED_AUTH_FIND_TIME_SECONDS', DEFAULT_FAILED_AUTH.findTimeSeconds, 1),
        banTimeSeconds: integer(env, 'RATE_LIMIT_FAILED_AUTH_BAN_TIME_SECONDS', DEFAULT_FAILED_AUTH.banTimeSeconds, 1),
      },
      redisUrl: env.REDIS_URL || null,
      keyPrefix: env.RATE_LIMIT_REDIS_PREFIX || DEFAULT_RATE_LIMITS.keyPrefix,
    },
    trustProxy: trustProxy(env.TRUST_PROXY),
    runnerOnlineTimeoutMs: integer(env, 'RUNNER_ONLINE_TIMEOUT_SECONDS', ONLINE_CONTACT_TIMEOUT_MS / 1000, 1) * 1000,
    runnerStaleTimeoutMs: integer(env, 'RUNNER_STALE_TIMEOUT_SECONDS', STALE_TIMEOUT_MS / 1000, 1) * 1000,
    liveSweepIntervalMs: integer(env, 'LIVE_SWEEP_INTERVAL_MS', 30_000, 100),
    runnerPruneIntervalMs: integer(env, 'RUNNER_PRUNE_INTERVAL_SECONDS', 3600, 1) * 1000,
    runnerPruneStaleAfterMs:
      integer(env, 'RUNNER_PRUNE_STALE_AFTER_SECONDS', integer(env, 'RUNNER_STALE_TIMEOUT_SECONDS', STALE_TIMEOUT_MS / 1000, 1), 1) * 1000,
    auditEventRetentionMs: integer(env, 'AUDIT_EVENT_RETENTION_SECONDS', 0, 0) * 1000 || null,
    principalCacheTtlMs: integer(env, 'PRINCIPAL_CACHE_TTL_MS', DEFAULT_PRINCIPAL_CACHE_TTL_MS, 0),
    etags: env.ETAGS !== 'false',
    answerCacheBytes: integer(env, 'ANSWER_CACHE_MB', DEFAULT_ANSWER_CACHE_BYTES / (1024 * 1024), 0) * 1024 * 1024,
  };
}
