// The polling scenario: a dashboard re-reading the same runner list (the first 100 runners) over and over, while 5%
// of the requests write (a runner's description, on one of the listed runners). Measured three ways on the same
// pattern: the gateway answering every poll in full, the gateway with conditional requests (each connection sends
// back the ETag of its last answer in If-None-Match, as a browser's cache does, and takes a 304 as an answer), and
// PostGraphile (which has no conditional requests: every poll is answered in full).
import autocannon from 'autocannon';
import pg from 'pg';
import { postgresCpuBetween, postgresCpuMs, type ServerProcess } from './processes.ts';
import { GRAPHQL, HEADERS, runnerGid } from './scenarios.ts';
import { type LoadOptions, percentile } from './load.ts';

export interface PollingResult {
  /** Answers per second: full answers plus 304s (a 304 answers a poll). */
  readonly reqPerSec: number;
  readonly notModifiedShare: number;
  readonly writes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMsPerRequest: number;
  readonly postgresCpuMsPerRequest: number | null;
  readonly failures: number;
}

/** Polls per write, per connection: 19 reads, then 1 write (5%). */
const READS_PER_WRITE = 19;
const LISTED = 100;

type Setup = (request: autocannon.Request, context: Record<string, unknown>) => autocannon.Request;
type OnResponse = (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
interface Request {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly setupRequest?: Setup;
  readonly onResponse?: OnResponse;
}

let writes = 0;

/**
 * Each write sets a description no earlier write set (a counter), so every write really changes the runner, as a
 * user's edit does: the same value written again would leave a row unchanged, which no poller need hear of.
 */
function changing(body: (description: string) => string): Setup {
  return (request) => ({ ...request, body: body(`polled ${++writes}`) });
}

function gatewayRequests(conditional: boolean, connection: number): Request[] {
  const poll = `/graphql?${new URLSearchParams({ query: GRAPHQL.runners, variables: JSON.stringify({ first: LISTED }) })}`;
  // autocannon empties a connection's context each time it starts the list again: right after the write, when the
  // ETag it held is stale anyway.
  const setupRequest: Setup = (request, context) =>
    context.etag ? { ...request, headers: { ...request.headers, 'if-none-match': String(context.etag) } } : request;
  const onResponse: OnResponse = (_status, _body, context, headers) => {
    if (headers.etag) context.etag = headers.etag;
  };
  const reads: Request[] = Array.from({ length: READS_PER_WRITE }, () =>
    conditional ? { method: 'GET', path: poll, setupRequest, onResponse } : { method: 'GET', path: poll },
  );
  const id = runnerGid(1 + (connection % LISTED));
  const body = (description: string) =>
    JSON.stringify({
      query: 'mutation($input: RunnerUpdateInput!) { runnerUpdate(input: $input) { errors } }',
      variables: { input: { id, description } },
    });
  const write: Request = { method: 'POST', path: '/graphql', body: body('polled'), setupRequest: changing(body) };
  return [...reads, write];
}

function postGraphileRequests(connection: number): Request[] {
  const poll = JSON.stringify({
    query: `query($first: Int!) { allRunners(first: $first, orderBy: ID_ASC) { totalCount nodes { id description paused runnerType name createdAt contactedAt
      userByCreatorId { id username name state avatarUrl } running: jobsByRunnerId(condition: { status: RUNNING }) { totalCount } } } }`,
    variables: { first: LISTED },
  });
  const reads: Request[] = Array.from({ length: READS_PER_WRITE }, () => ({ method: 'POST', path: '/graphql', body: poll }));
  const body = (description: string) =>
    JSON.stringify({
      query:
        'mutation($id: Int!, $description: String!) { updateRunnerById(input: { id: $id, runnerPatch: { description: $description } }) { runner { id } } }',
      variables: { id: 1 + (connection % LISTED), description },
    });
  const write: Request = { method: 'POST', path: '/graphql', body: body('polled'), setupRequest: changing(body) };
  return [...reads, write];
}

function run(url: string, requests: Request[], options: LoadOptions, seconds: number, latencies?: number[]) {
  let answered = 0;
  let notModified = 0;
  let failures = 0;
  return new Promise<{ answered: number; notModified: number; failures: number; duration: number }>((resolve, reject) => {
    const instance = autocannon(
      { url, connections: options.connections, duration: seconds, headers: { ...HEADERS }, requests: requests as autocannon.Request[] },
      (error, result) =>
        error
          ? reject(error)
          : resolve({ answered, notModified, failures: failures + result.errors + result.timeouts, duration: result.duration }),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if ((statusCode >= 200 && statusCode < 300) || statusCode === 304) {
        answered += 1;
        if (statusCode === 304) notModified += 1;
        latencies?.push(responseTime);
      } else failures += 1;
    });
  });
}

/** Drives the polling pattern against `server`; `kind` picks the requests (PostGraphile's schema, or the gateway's). */
export async function drivePolling(
  server: ServerProcess,
  kind: 'gateway' | 'gateway-conditional' | 'postgraphile',
  options: LoadOptions,
  databaseName: string,
): Promise<PollingResult> {
  // Each connection keeps its own ETag (autocannon gives each its own context); all write the same runner, each
  // time a description never written before.
  const requests = kind === 'postgraphile' ? postGraphileRequests(0) : gatewayRequests(kind === 'gateway-conditional', 0);
  if (options.warmupSeconds > 0) await run(server.url, requests, options, options.warmupSeconds);
  const latencies: number[] = [];
  const cpuBefore = server.cpuMs();
  const postgresBefore = postgresCpuMs(databaseName);
  const result = await run(server.url, requests, options, options.seconds, latencies);
  const cpuMs = server.cpuMs() - cpuBefore;
  const postgresMs = postgresCpuBetween(postgresBefore, postgresCpuMs(databaseName));
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: result.answered / result.duration,
    notModifiedShare: result.notModified / Math.max(1, result.answered),
    writes: Math.round(result.answered / (READS_PER_WRITE + 1)),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuMsPerRequest: cpuMs / Math.max(1, result.answered),
    postgresCpuMsPerRequest: postgresMs === null ? null : postgresMs / Math.max(1, result.answered),
    failures: result.failures,
  };
}

/** The pattern writes one listed runner's description; it is put back after, so the data set stays as loaded. */
export async function withListedRunnerRestored<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ description: string }>('SELECT description FROM "Runner" WHERE id = 1');
    try {
      return await work();
    } finally {
      await client.query('UPDATE "Runner" SET description = $1 WHERE id = 1', [rows[0]?.description ?? '']);
    }
  } finally {
    await client.end();
  }
}
