// Drives one scenario against one server with autocannon: a warm-up whose numbers are thrown away, then a
// measured run. Latencies are kept exactly (autocannon's histogram rounds to whole milliseconds).
import autocannon from 'autocannon';
import { postgresCpuBetween, postgresCpuMs, type ServerProcess } from './processes.ts';
import { type BenchRequest, HEADERS } from './scenarios.ts';

export interface LoadOptions {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly peakRssMb: number;
  /** CPU the server process used per answered request: less sensitive than req/s to what else the machine runs. */
  readonly cpuMsPerRequest: number;
  /** CPU PostgreSQL's backends for this database used per request; null if they cannot be seen (a remote server). */
  readonly postgresCpuMsPerRequest: number | null;
  /** Non-2xx answers plus connection errors and timeouts; any makes the figures suspect, and the report says so. */
  readonly failures: number;
}

/** The value below which `fraction` of the sorted values lie (nearest rank); NaN for none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Drives `requests` on `connections` for `seconds`; `answered` hears each 2xx answer's latency (ms). */
export function cannon(
  url: string,
  requests: readonly BenchRequest[],
  connections: number,
  seconds: number,
  answered?: (ms: number) => void,
) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        headers: { ...HEADERS },
        requests: requests.map((request) => ({
          method: request.method,
          path: request.path,
          ...(request.body ? { body: request.body } : {}),
        })),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (answered) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) answered(responseTime);
      });
    }
  });
}

export async function drive(
  server: ServerProcess,
  requests: readonly BenchRequest[],
  options: LoadOptions,
  databaseName?: string,
): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await cannon(server.url, requests, options.connections, options.warmupSeconds);
  const latencies: number[] = [];
  server.resetPeak();
  const cpuBefore = server.cpuMs();
  const postgresBefore = databaseName ? postgresCpuMs(databaseName) : new Map<number, number>();
  const result = await cannon(server.url, requests, options.connections, options.seconds, (ms) => latencies.push(ms));
  const cpuMs = server.cpuMs() - cpuBefore;
  const postgresMs = databaseName ? postgresCpuBetween(postgresBefore, postgresCpuMs(databaseName)) : null;
  const peakRssMb = server.peakRssMb();
  latencies.sort((a, b) => a - b);
  return {
    requests: result['2xx'],
    reqPerSec: result['2xx'] / result.duration,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    peakRssMb,
    cpuMsPerRequest: cpuMs / Math.max(1, result['2xx']),
    postgresCpuMsPerRequest: postgresMs === null ? null : postgresMs / Math.max(1, result['2xx']),
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
