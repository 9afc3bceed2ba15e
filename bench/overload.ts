// The overload scenario: 50 connections sending the most expensive query the limits allow, for 30 s, beside a
// stream of cheap requests (/-/liveness, a small GraphQL query). The server must not crash, the cheap requests
// must keep being answered, and the peak RSS is what README.md states as the memory bound.
import { getOperationAST, parse } from 'graphql';
import autocannon from 'autocannon';
import { queryCost } from '../src/graphql/cost.ts';
import { DEFAULT_GRAPHQL_LIMITS } from '../src/graphql/limits.ts';
import { schema } from '../src/graphql/schema/index.ts';
import type { ServerProcess } from './processes.ts';
import { HEADERS } from './scenarios.ts';

/** Memory the README promises the server stays under in this scenario (its "Limits" section). */
export const RSS_BOUND_MB = 768;

const RUNNER_FIELDS =
  'id description status paused locked runUntagged tagList version contactedAt createdAt accessLevel maximumTimeout maintenanceNote runnerType shortSha';

/**
 * Thirty aliased full pages (the alias limit) of 100 runners with 15 fields each: 48,030 values, every one of them
 * really returned on a database with 1,000 runners, so its cost is its answer. Different offsets keep the pages apart.
 */
export const HEAVY_QUERY = `query Heavy { ${Array.from(
  { length: DEFAULT_GRAPHQL_LIMITS.maxAliases },
  (_, i) => `r${i}: runners(first: 100, offset: ${(i * 100) % 900}) { nodes { ${RUNNER_FIELDS} } }`,
).join(' ')} }`;

export function heavyQueryCost(): number {
  const document = parse(HEAVY_QUERY);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return queryCost(schema, document, operation, {}).cost;
}

export interface OverloadOptions {
  readonly connections: number;
  readonly seconds: number;
}

export interface OverloadResult {
  readonly connections: number;
  readonly seconds: number;
  readonly heavyCost: number;
  readonly heavyAnswered: number;
  readonly heavyFailures: number;
  readonly heavyP99Ms: number;
  readonly cheapAnswered: number;
  readonly cheapFailures: number;
  readonly cheapP50Ms: number;
  readonly cheapMaxMs: number;
  readonly peakRssMb: number;
  readonly rssBoundMb: number;
  /** The process answered /-/liveness after the run. */
  readonly alive: boolean;
}

/** One cheap request after another, until `until`: liveness, then a small query, alternately. */
async function cheapStream(url: string, until: number): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const requests = [
    () => fetch(`${url}/-/liveness`),
    () => fetch(`${url}/graphql`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ query: '{ currentUser { username } }' }) }),
  ];
  for (let i = 0; Date.now() < until; i++) {
    const started = performance.now();
    try {
      const response = await (requests[i % requests.length] as () => Promise<Response>)();
      await response.arrayBuffer();
      if (response.ok) latencies.push(performance.now() - started);
      else failures++;
    } catch {
      failures++;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { latencies, failures };
}

export async function runOverload(server: ServerProcess, options: OverloadOptions): Promise<OverloadResult> {
  const heavyCost = heavyQueryCost();
  server.resetPeak();
  const heavyLatencies: number[] = [];
  const heavy = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.url,
        connections: options.connections,
        duration: options.seconds,
        // Past its 30 s execution timeout the server answers 503; a longer wait would only hide a hung server.
        timeout: 40,
        headers: { ...HEADERS },
        requests: [{ method: 'POST', path: '/graphql', body: JSON.stringify({ query: HEAVY_QUERY }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) heavyLatencies.push(responseTime);
    });
  });
  const cheap = cheapStream(server.url, Date.now() + options.seconds * 1000);
  const [heavyResult, cheapResult] = await Promise.all([heavy, cheap]);
  const peakRssMb = server.peakRssMb();
  const alive = await fetch(`${server.url}/-/liveness`).then(
    (response) => response.ok,
    () => false,
  );
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const at = (values: number[], fraction: number) =>
    values[Math.min(values.length - 1, Math.floor(fraction * values.length))] ?? Number.NaN;
  const cheapSorted = sorted(cheapResult.latencies);
  return {
    connections: options.connections,
    seconds: options.seconds,
    heavyCost,
    heavyAnswered: heavyResult['2xx'],
    heavyFailures: heavyResult.non2xx + heavyResult.errors + heavyResult.timeouts,
    heavyP99Ms: at(sorted(heavyLatencies), 0.99),
    cheapAnswered: cheapSorted.length,
    cheapFailures: cheapResult.failures,
    cheapP50Ms: at(cheapSorted, 0.5),
    cheapMaxMs: cheapSorted.at(-1) ?? Number.NaN,
    peakRssMb,
    rssBoundMb: RSS_BOUND_MB,
    alive,
  };
}

/** Zero crashes, no failed request of either kind, and the peak under the stated bound. */
export function overloadMet(result: OverloadResult): boolean {
  return (
    result.alive &&
    result.heavyFailures === 0 &&
    result.cheapFailures === 0 &&
    result.cheapAnswered > 0 &&
    result.peakRssMb <= result.rssBoundMb
  );
}

export function overloadLines(result: OverloadResult): string[] {
  const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en') : '–');
  return [
    `| Heavy query (cost ${int(result.heavyCost)} of ${int(DEFAULT_GRAPHQL_LIMITS.maxComplexityAdmin)}) | Cheap requests | Peak RSS | Bound (README) | Server alive | Met |`,
    '| --- | --- | --- | --- | :---: | :---: |',
    `| ${int(result.heavyAnswered)} answered, ${int(result.heavyFailures)} failed, p99 ${int(result.heavyP99Ms)} ms | ` +
      `${int(result.cheapAnswered)} answered, ${int(result.cheapFailures)} failed, p50 ${int(result.cheapP50Ms)} ms, max ${int(result.cheapMaxMs)} ms | ` +
      `${int(result.peakRssMb)} MB | ${int(result.rssBoundMb)} MB | ${result.alive ? 'yes' : '**no**'} | ${overloadMet(result) ? 'yes' : '**no**'} |`,
  ];
}
