import type { FastifyBaseLogger } from 'fastify';
import { afterAll } from 'vitest';
import { type AppOptions, buildApp } from '../../src/app.ts';
import type { Database } from '../../src/db/client.ts';
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from '../../src/http/rate-limit.ts';
import { createTestDatabase } from '../support/db.ts';
import type { Json } from '../support/json.ts';

export interface RunningApp {
  readonly url: string;
  readonly database: Database;
  readonly db: Database['prisma'];
  /** The server's own logger, as the application logs through it. */
  readonly log: FastifyBaseLogger;
  /** POSTs a GraphQL operation as JSON, authenticated when a token is given. */
  graphql(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Json; // the parsed JSON answer, whose exact shape each test asserts
}

/**
 * A server built with the options a test needs (small limits, a captured logger, a slow database), over its own
 * database; closed after the test file unless the test closes it first.
 */
export async function startApp(options: Partial<Omit<AppOptions, 'database'>> & { database?: Database } = {}): Promise<RunningApp> {
  const database = options.database ?? (await createTestDatabase());
  const app = buildApp({ settings: { externalUrl: 'http://gitlab.test' }, ...options, database });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await database.close();
  };
  afterAll(close);
  return {
    url,
    database,
    db: database.prisma,
    log: app.log,
    async graphql(query, variables = {}, token, headers = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    close,
  };
}

/** Rate limits for a test: the defaults, with the given rules. */
export function rateLimits(overrides: Partial<RateLimitSettings>): RateLimitSettings {
  return { ...DEFAULT_RATE_LIMITS, ...overrides };
}
