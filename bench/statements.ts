// Before anything is timed: both servers must give the same answers, and we count (and compare) the SQL each
// sends per request. Counting happens in this process, on an app built for it (buildApp over the same database,
// `Database.onQuery`) and on the baseline's handler with a recording query function, so the servers under load
// carry no instrumentation.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { type Database, openPostgres } from '../src/db/client.ts';
import { baselineTypes, createBaselineHandler, poolQuery, type Query } from './baseline-server.ts';
import { AUTH } from './baseline-sql.ts';
import { type BenchRequest, HEADERS, type Scenario } from './scenarios.ts';

export interface StatementCounts {
  /** Statements one request of the scenario sends (its first request, warm). */
  readonly gateway: number;
  readonly baseline: number | null;
  /** At page sizes 1 and 100, where the scenario lists. */
  readonly gatewayAtOne: number | null;
  readonly gatewayAtHundred: number | null;
  /** Whether the baseline sent exactly the gateway's statements (same text, any order). */
  readonly sameSql: boolean | null;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

// The headers a client reads; transport details (dates, request ids, content-length) are left out.
const COMPARED_HEADERS = ['content-type', 'x-total', 'x-total-pages', 'x-per-page', 'x-page', 'x-next-page', 'x-prev-page', 'link'];

async function ask(baseUrl: string, request: BenchRequest): Promise<Answer> {
  const response = await fetch(`${baseUrl}${request.path}`, { method: request.method, headers: HEADERS, body: request.body });
  const text = await response.text();
  const headers: Record<string, string> = {};
  for (const name of COMPARED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: response.status, headers, body: JSON.parse(text) as unknown };
}

/** Durations of running and pending jobs grow by the millisecond between two requests: leave them out. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const status = (value as { status?: unknown }).status;
  const live = typeof status === 'string' && ['running', 'pending'].includes(status.toLowerCase());
  return Object.fromEntries(
    entries
      .filter(([key]) => !(live && ['duration', 'queued_duration', 'queuedDuration'].includes(key)))
      .map(([key, item]) => [key, stable(item)]),
  );
}

function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return `${path}: gateway ${JSON.stringify(a)?.slice(0, 200)} ≠ baseline ${JSON.stringify(b)?.slice(0, 200)}`;
}

/** Every request of every scenario, asked of both servers: status, client-visible headers and bodies must match. */
export async function assertSameAnswers(gatewayUrl: string, baselineUrl: string, scenarios: readonly Scenario[]): Promise<number> {
  let compared = 0;
  for (const scenario of scenarios) {
    for (const request of scenario.requests) {
      const [gateway, baseline] = await Promise.all([ask(gatewayUrl, request), ask(baselineUrl, request)]);
      if (gateway.status !== 200)
        throw new Error(
          `${scenario.id}: the gateway answered ${gateway.status} to ${request.path}: ${JSON.stringify(gateway.body).slice(0, 300)}`,
        );
      const difference = firstDifference(
        { status: gateway.status, headers: gateway.headers, body: stable(gateway.body) },
        { status: baseline.status, headers: baseline.headers, body: stable(baseline.body) },
      );
      if (difference) throw new Error(`${scenario.id} (${request.method} ${request.path}) answers differ at ${difference}`);
      compared += 1;
    }
  }
  return compared;
}

async function injected(app: ReturnType<typeof buildApp>, request: BenchRequest) {
  const response = await app.inject({
    method: request.method,
    url: request.path,
    headers: HEADERS,
    ...(request.body ? { payload: request.body } : {}),
  });
  if (response.statusCode !== 200) throw new Error(`${request.path}: ${response.statusCode} ${response.body.slice(0, 300)}`);
}

/**
 * The statements that read the answer's rows: without the token lookup (the gateway's warm request finds the token
 * in its principal cache; the baseline looks it up every time) and the data version read for the ETag (the gateway's
 * GETs only), which the comparison of "same SQL" is not about.
 */
function dataStatements(statements: readonly string[]): string[] {
  return statements.filter((sql) => sql !== AUTH && !sql.includes('"DataVersion"')).sort();
}

/** SQL per request on both sides. Each request is sent twice first, so one-off work (token bookkeeping) is not counted. */
export async function countStatements(
  databaseUrl: string,
  externalUrl: string,
  scenarios: readonly Scenario[],
): Promise<Map<string, StatementCounts>> {
  const database: Database = await openPostgres(databaseUrl, { max: 4 });
  const app = buildApp({ database, settings: { externalUrl } });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, types: baselineTypes });
  const sent: string[] = [];
  const baseQuery = poolQuery(pool);
  const recording: Query = (sql, params) => {
    sent.push(sql);
    return baseQuery(sql, params);
  };
  const baseline = createServer(createBaselineHandler(recording, externalUrl));
  await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
  const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}`;
  const counts = new Map<string, StatementCounts>();
  try {
    await app.ready();
    const gatewaySql = async (request: BenchRequest) => {
      await injected(app, request);
      await injected(app, request);
      const seen: string[] = [];
      const listener = (sql: string) => void seen.push(sql);
      database.onQuery.add(listener);
      try {
        await injected(app, request);
      } finally {
        database.onQuery.delete(listener);
      }
      return seen;
    };
    for (const scenario of scenarios) {
      const request = scenario.requests[0];
      if (!request) continue;
      const gateway = await gatewaySql(request);
      await ask(baselineUrl, request);
      sent.length = 0;
      await ask(baselineUrl, request);
      const theirs = [...sent];
      const atOne = scenario.pageSizes ? (await gatewaySql(scenario.pageSizes.one)).length : null;
      const atHundred = scenario.pageSizes ? (await gatewaySql(scenario.pageSizes.hundred)).length : null;
      counts.set(scenario.id, {
        gateway: gateway.length,
        baseline: theirs.length,
        gatewayAtOne: atOne,
        gatewayAtHundred: atHundred,
        sameSql: isDeepStrictEqual(dataStatements(gateway), dataStatements(theirs)),
      });
    }
  } finally {
    await new Promise((resolve) => baseline.close(resolve));
    await pool.end();
    await app.close();
    await database.close();
  }
  return counts;
}

/** Statement counts on PGlite come from the same Prisma client and schema; counted there only per page size. */
export function describeCounts(counts: StatementCounts): string {
  const sizes = counts.gatewayAtOne === null ? '' : ` (${counts.gatewayAtOne} at 1 → ${counts.gatewayAtHundred} at 100)`;
  return `${counts.gateway}${sizes}`;
}
