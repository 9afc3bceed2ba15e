// The benchmark's baseline: a minimal node:http + pg server that answers the benchmarked requests with the same
// SQL (bench/baseline-sql.ts) and the same JSON (bench/baseline-json.ts) as the gateway, and does nothing else:
// no framework, no GraphQL execution, no ORM. What it reaches on this machine is the practical limit.
// Run as a process (`node --import tsx bench/baseline-server.ts`, with DATABASE_URL, PORT, EXTERNAL_URL), or use
// `createBaselineHandler` in process with a query function that records statements.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import {
  gqlJob,
  gqlRunner,
  gqlRunnerDetails,
  idOfCursor,
  cursorOf,
  type RunnerRow,
  restJob,
  restRunner,
  restRunnerDetails,
} from './baseline-json.ts';
import { AUTH, JOBS_AFTER, JOBS_AFTER_NEWEST, JOBS_FIRST, JOBS_FIRST_NEWEST, RUNNER, RUNNERS_COUNT, RUNNERS_PAGE } from './baseline-sql.ts';

export type Query = <Row>(sql: string, params: readonly unknown[]) => Promise<Row[]>;

interface TokenRow {
  revoked: boolean;
  expiresAt: string | null;
  scopes: string[];
  user: { id: number; admin: boolean; state: string };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(JSON.stringify(body));
  }
}

const READ_SCOPES = ['api', 'read_api', 'manage_runner'];

async function authenticate(query: Query, request: IncomingMessage, graphql: boolean): Promise<TokenRow> {
  const header = request.headers['private-token'];
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const token = typeof header === 'string' && header ? header : bearer;
  const refuse = graphql
    ? new HttpError(401, { errors: [{ message: 'unauthenticated' }] })
    : new HttpError(401, { message: '401 Unauthorized' });
  if (!token) throw refuse;
  const digest = createHash('sha256').update(token, 'utf8').digest('hex');
  const [row] = await query<TokenRow>(AUTH, ['1', digest, '1']);
  if (!row || row.revoked || (row.expiresAt && Date.parse(row.expiresAt) <= Date.now()) || row.user.state !== 'active') throw refuse;
  if (!row.scopes.some((scope) => READ_SCOPES.includes(scope)) || !row.user.admin) {
    // The benchmark reads as an administrator; anything else is outside what the baseline implements.
    throw new HttpError(403, { message: '403 Forbidden' });
  }
  return row;
}

/** A runner row carries one of its running jobs, if it has any (`jobs`), which decides `job_execution_status`. */
type CountedRunner = RunnerRow & { jobs: readonly unknown[] };

async function runnerDetails(query: Query, id: number) {
  const [runner] = await query<CountedRunner>(RUNNER, ['running', '1', '1', '1', '1', '101', '0', '1', id, '1']);
  return runner ? { runner, running: runner.jobs.length > 0 } : null;
}

async function runnersPage(query: Query, perPage: number, offset: number) {
  const [rows, [count]] = await Promise.all([
    query<CountedRunner>(RUNNERS_PAGE, ['running', '1', '1', String(perPage + 1), String(offset)]),
    query<{ _sum$count: string | null }>(RUNNERS_COUNT, ['0']),
  ]);
  const page = rows.slice(0, perPage);
  return {
    page,
    running: new Set(page.filter((runner) => runner.jobs.length > 0).map((runner) => runner.id)),
    total: Number(count?._sum$count ?? 0),
  };
}

async function jobsPage(query: Query, runnerId: number, perPage: number, after: number | null, newestFirst = false) {
  const [first, following] = newestFirst ? [JOBS_FIRST_NEWEST, JOBS_AFTER_NEWEST] : [JOBS_FIRST, JOBS_AFTER];
  const [runner] =
    after === null
      ? await query<RunnerRow>(first, ['1', '1', '1', '1', '1', '1', String(perPage + 1), '0', runnerId, '1'])
      : await query<RunnerRow>(following, ['1', '1', '1', '1', '1', '1', after, String(perPage + 1), '0', runnerId, '1']);
  if (!runner) return null;
  const jobs = runner.jobs ?? [];
  const page = jobs.slice(0, perPage);
  const last = page[page.length - 1];
  return { page, hasNextPage: jobs.length > perPage, endCursor: last ? cursorOf(last.id) : null };
}

/** Rails' Hash#to_query, as the gateway's Link headers use it. */
function toQuery(params: Record<string, string>): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return Object.keys(params)
    .sort()
    .map((key) => `${encode(key)}=${encode(params[key] ?? '')}`)
    .join('&');
}

function perPageOf(search: URLSearchParams): number {
  const requested = Number(search.get('per_page') ?? 20);
  return requested < 0 ? 20 : Math.min(requested, 100);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>, contentType = 'application/json') {
  const payload = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(payload.length) });
  response.end(payload);
}

async function rest(query: Query, request: IncomingMessage, response: ServerResponse, url: URL, base: string): Promise<void> {
  await authenticate(query, request, false);
  const path = url.pathname;
  if (path === '/api/v4/runners/all') {
    const perPage = perPageOf(url.searchParams);
    const page = Math.max(Number(url.searchParams.get('page') ?? 1), 1);
    const { page: runners, running, total } = await runnersPage(query, perPage, (page - 1) * perPage);
    const pages = Math.max(Math.ceil(total / perPage), 1);
    const link = (target: number) =>
      `<${base}${path}?${toQuery({ ...Object.fromEntries(url.searchParams), page: String(target), per_page: String(perPage) })}>`;
    const links = [
      ...(page > 1 && page <= pages ? [`${link(page - 1)}; rel="prev"`] : []),
      ...(page < pages ? [`${link(page + 1)}; rel="next"`] : []),
      `${link(1)}; rel="first"`,
      `${link(pages)}; rel="last"`,
    ];
    return send(
      response,
      200,
      runners.map((runner) => restRunner(runner, running.has(runner.id), base)),
      {
        'x-per-page': String(perPage),
        'x-page': String(page),
        'x-next-page': page < pages ? String(page + 1) : '',
        'x-prev-page': page > 1 && page <= pages ? String(page - 1) : '',
        'x-total': String(total),
        'x-total-pages': String(pages),
        link: links.join(', '),
      },
    );
  }
  const jobsMatch = /^\/api\/v4\/runners\/(\d+)\/jobs$/.exec(path);
  if (jobsMatch?.[1] && url.searchParams.get('pagination') === 'keyset') {
    const perPage = perPageOf(url.searchParams);
    const cursor = url.searchParams.get('cursor');
    const result = await jobsPage(query, Number(jobsMatch[1]), perPage, cursor ? idOfCursor(cursor) : null, true);
    if (!result) throw new HttpError(404, { message: '404 Runner Not Found' });
    const headers: Record<string, string> = { 'x-per-page': String(perPage) };
    if (result.hasNextPage && result.endCursor) {
      const { page: _page, ...rest } = Object.fromEntries(url.searchParams);
      headers.link = `<${base}${path}?${toQuery({ ...rest, id: jobsMatch[1], per_page: String(perPage), cursor: result.endCursor })}>; rel="next"`;
    }
    return send(
      response,
      200,
      result.page.map((job) => restJob(job, base)),
      headers,
    );
  }
  const runnerMatch = /^\/api\/v4\/runners\/(\d+)$/.exec(path);
  if (runnerMatch?.[1]) {
    const found = await runnerDetails(query, Number(runnerMatch[1]));
    if (!found) throw new HttpError(404, { message: '404 Runner Not Found' });
    return send(response, 200, restRunnerDetails(found.runner, found.running, base), {});
  }
  throw new HttpError(404, { error: '404 Not Found' });
}

const numericId = (globalId: unknown) => Number(String(globalId).slice(String(globalId).lastIndexOf('/') + 1));

async function graphql(query: Query, request: IncomingMessage, response: ServerResponse, base: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const { operationName, variables = {} } = JSON.parse(Buffer.concat(chunks).toString()) as {
    operationName?: string;
    variables?: Record<string, unknown>;
  };
  await authenticate(query, request, true);
  let data: unknown;
  if (operationName === 'BenchRunner') {
    const found = await runnerDetails(query, numericId(variables.id));
    data = { runner: found ? gqlRunnerDetails(found.runner, found.running, base) : null };
  } else if (operationName === 'BenchRunners') {
    const { page, running, total } = await runnersPage(query, Number(variables.first), 0);
    data = { runners: { count: total, nodes: page.map((runner) => gqlRunner(runner, running.has(runner.id), base)) } };
  } else if (operationName === 'BenchRunnerJobs') {
    const after = typeof variables.after === 'string' ? idOfCursor(variables.after) : null;
    const result = await jobsPage(query, numericId(variables.id), Number(variables.first), after);
    data = {
      runner: result && {
        jobs: {
          pageInfo: { hasNextPage: result.hasNextPage, endCursor: result.endCursor },
          edges: result.page.map((job) => ({ node: gqlJob(job, base) })),
        },
      },
    };
  } else {
    throw new HttpError(400, { errors: [{ message: `the baseline does not implement ${operationName}` }] });
  }
  send(response, 200, { data }, {}, 'application/json; charset=utf-8');
}

/** The request handler, over any `query` function (a pool's, or one that also records what it sends). */
export function createBaselineHandler(query: Query, externalUrl: string) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://baseline');
    const work =
      url.pathname === '/-/readiness'
        ? query('SELECT 1', []).then(() => send(response, 200, { status: 'ok' }, {}))
        : request.method === 'POST' && url.pathname === '/graphql'
          ? graphql(query, request, response, externalUrl)
          : request.method === 'GET' && url.pathname.startsWith('/api/v4/')
            ? rest(query, request, response, url, externalUrl)
            : Promise.reject(new HttpError(404, { error: '404 Not Found' }));
    work.catch((error: unknown) => {
      if (error instanceof HttpError) return send(response, error.status, error.body, {});
      console.error(error);
      send(response, 500, { message: '500 Internal Server Error' }, {});
    });
  };
}

/** Timestamps as UTC ISO strings (PostgreSQL `timestamp(3)` has no zone; the app stores UTC), counts as text. */
const TIMESTAMP = 1114;
export const baselineTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP
      ? (value: string) => `${value.replace(' ', 'T')}Z`
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export function poolQuery(pool: pg.Pool): Query {
  return async <Row>(sql: string, params: readonly unknown[]) => (await pool.query({ text: sql, values: [...params] })).rows as Row[];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Sized and aged as the gateway's pool (src/db/client.ts), so both keep their connections alike.
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_MAX ?? 10),
    idleTimeoutMillis: 30_000,
    types: baselineTypes,
  });
  pool.on('error', () => {});
  const server = createServer(createBaselineHandler(poolQuery(pool), process.env.EXTERNAL_URL ?? 'http://localhost'));
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 4100), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
}
