import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { DEFAULT_FAILED_AUTH } from '../../src/http/failed-auth.ts';
import { DEFAULT_RATE_LIMITS } from '../../src/http/rate-limit.ts';
import type { Database } from '../../src/db/client.ts';
import { createTestDatabase } from './db.ts';
import type { Json } from './json.ts';

export const EXTERNAL_URL = 'http://gitlab.test';

export interface GraphQLResponse<T = Record<string, Json>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  readonly url: string;
  readonly database: Database;
  readonly db: Database['prisma'];
  /** POSTs a GraphQL operation, authenticated with `token` when one is given. */
  graphql<T = Record<string, Json>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  /** Calls the REST shim: `path` is below /api/v4; the body goes as JSON, a form, or multipart (FormData). */
  rest(method: string, path: string, options?: RestOptions): Promise<RestResponse>;
  /** Counts the SQL statements `work` sends. */
  countQueries(work: () => Promise<unknown>): Promise<number>;
}

export interface RestOptions {
  token?: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string | string[]>;
  multipart?: Record<string, string>;
}

export interface RestResponse {
  status: number;
  headers: Headers;
  text: string;
  body: Json; // the parsed JSON answer; tests assert its exact shape
}

/**
 * Starts the real HTTP server on a free port, over a private migrated database, for the test file that calls
 * it; stops both after the file's tests.
 */
export function useTestServer(): TestServer {
  let database: Database;
  let app: ReturnType<typeof buildApp>;
  let url = '';
  beforeAll(async () => {
    database = await createTestDatabase();
    app = buildApp({
      database,
      settings: { externalUrl: EXTERNAL_URL },
      corsOrigins: ['https://app.example.com'],
      // The default limits, except the failed-token ban: these files try wrong tokens on purpose, dozens of times,
      // from one address (test/security/rate-limit.test.ts tests the ban; the client scenarios run at the defaults).
      rateLimits: { ...DEFAULT_RATE_LIMITS, failedAuth: { ...DEFAULT_FAILED_AUTH, maxRetry: 1_000 } },
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });
  return {
    get url() {
      return url;
    },
    get database() {
      return database;
    },
    get db() {
      return database.prisma;
    },
    async graphql(query, variables, token) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async rest(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.token ? { 'private-token': options.token } : {}), ...options.headers };
      let body: string | FormData | undefined;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      } else if (options.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        const form = new URLSearchParams();
        for (const [key, value] of Object.entries(options.form)) {
          for (const item of Array.isArray(value) ? value : [value]) form.append(key, item);
        }
        body = form.toString();
      } else if (options.multipart) {
        body = new FormData();
        for (const [key, value] of Object.entries(options.multipart)) body.append(key, value);
      }
      const response = await fetch(`${url}/api/v4${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: response.status, headers: response.headers, text, body: parsed };
    },
    async countQueries(work) {
      let count = 0;
      const listener = () => {
        count += 1;
      };
      database.onQuery.add(listener);
      try {
        await work();
      } finally {
        database.onQuery.delete(listener);
      }
      return count;
    },
  };
}
