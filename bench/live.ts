// The live scenario of `npm run bench` (alone: `npm run bench -- --live`): 1,000 concurrent GraphQL-over-SSE
// subscribers on one gateway while runners change at 50 changes/s, written straight to PostgreSQL so that the figure
// is the delivery path alone (commit → notification → the gateway → every subscriber). Two shapes of subscriber:
// each follows one runner (`ciRunnerUpdated`), or each follows the whole fleet (`ciRunnersUpdated`, every change
// to every subscriber: 50,000 deliveries a second).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { preparePostgres } from './databases.ts';
import { ADMIN_TOKEN, SIZES } from './dataset.ts';
import { type ServerProcess, startGateway } from './processes.ts';
import { EXTERNAL_URL } from './scenarios.ts';

export interface LiveScenarioResult {
  readonly id: string;
  readonly label: string;
  readonly subscribers: number;
  readonly changes: number;
  readonly expected: number;
  readonly delivered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The gateway's CPU over the measured window, in % of one core. */
  readonly cpuPercent: number;
  /** The gateway's CPU from the first change until the last delivery (or the deadline), per 1,000 deliveries. */
  readonly cpuMsPerThousand: number;
  /** The machine's 1-minute load average as the scenario started (the machine is shared: figures depend on it). */
  readonly loadAverage: number;
  readonly rssIdleMb: number;
  readonly rssSubscribedMb: number;
  readonly peakRssMb: number;
}

export interface LiveBenchResults {
  readonly changesPerSecond: number;
  readonly seconds: number;
  readonly scenarios: LiveScenarioResult[];
}

const SUBSCRIBERS = 1_000;
const CHANGES_PER_SECOND = 50;
const DATABASE = 'rg_bench_live';

const SCENARIOS = [
  {
    id: 'one-runner-each',
    label: '`ciRunnerUpdated`: each subscriber follows one of 1,000 runners',
    query: 'subscription($id: CiRunnerID!) { ciRunnerUpdated(runnerId: $id) { kind runner { id description status paused } } }',
    variables: (runnerId: number) => ({ id: `gid://gitlab/Ci::Runner/${runnerId}` }),
    fanOut: 1,
  },
  {
    id: 'whole-fleet-each',
    label: '`ciRunnersUpdated`: each subscriber follows the whole fleet',
    query: 'subscription { ciRunnersUpdated { kind runner { id description status paused } } }',
    variables: () => ({}),
    fanOut: SUBSCRIBERS,
  },
] as const;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Subscriber {
  readonly latencies: number[];
  close(): void;
}

/** One SSE subscription over its own connection; resolves once the server has answered with the event stream. */
function subscribe(url: URL, query: string, variables: Record<string, unknown>): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const request = http.request({
      host: url.hostname,
      port: url.port,
      path: '/graphql',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'private-token': ADMIN_TOKEN },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`subscription refused: ${response.statusCode}`));
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const at = now();
        for (const match of chunk.matchAll(/bench-live \d+ (\d+(?:\.\d+)?)/g)) latencies.push(at - Number(match[1]));
      });
      response.on('error', () => {});
      resolve({ latencies, close: () => request.destroy() });
    });
    request.end(JSON.stringify({ query, variables }));
  });
}

async function runScenario(
  scenario: (typeof SCENARIOS)[number],
  databaseUrl: string,
  runnerIds: readonly number[],
  port: number,
  seconds: number,
  log: (line: string) => void,
): Promise<LiveScenarioResult> {
  const gateway: ServerProcess = await startGateway(port, { url: databaseUrl }, EXTERNAL_URL);
  const writer = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const subscribers: Subscriber[] = [];
  try {
    await sleep(1_000);
    const rssIdleMb = rssMb(gateway.pid);
    const url = new URL(gateway.url);
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      const batch = runnerIds.slice(i, i + 50).map((id) => subscribe(url, scenario.query, scenario.variables(id)));
      subscribers.push(...(await Promise.all(batch)));
    }
    await sleep(2_000);
    const rssSubscribedMb = rssMb(gateway.pid);
    gateway.resetPeak();
    const loadAverage = loadavg()[0] ?? Number.NaN;
    const cpuBefore = gateway.cpuMs();
    const started = now();
    let changes = 0;
    // Paced by the clock, not by timers alone: a late tick catches up, so the rate holds at 50/s.
    while (now() - started < seconds * 1000) {
      const due = Math.floor(((now() - started) / 1000) * CHANGES_PER_SECOND);
      while (changes < due) {
        const runnerId = runnerIds[changes % runnerIds.length];
        changes += 1;
        await writer.query('UPDATE "Runner" SET description = $1 WHERE id = $2', [`bench-live ${changes} ${now().toFixed(3)}`, runnerId]);
      }
      await sleep(5);
    }
    const windowMs = now() - started;
    const cpuMs = gateway.cpuMs() - cpuBefore;
    const expected = changes * scenario.fanOut;
    // Let what is in flight arrive (bounded).
    const deadline = now() + 10_000;
    const count = () => subscribers.reduce((sum, subscriber) => sum + subscriber.latencies.length, 0);
    while (count() < expected && now() < deadline) await sleep(100);
    const cpuAllMs = gateway.cpuMs() - cpuBefore;
    const latencies = subscribers.flatMap((subscriber) => subscriber.latencies).sort((a, b) => a - b);
    const result: LiveScenarioResult = {
      id: scenario.id,
      label: scenario.label,
      subscribers: subscribers.length,
      changes,
      expected,
      delivered: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      cpuPercent: (cpuMs / windowMs) * 100,
      cpuMsPerThousand: latencies.length ? (cpuAllMs / latencies.length) * 1000 : Number.NaN,
      loadAverage,
      rssIdleMb,
      rssSubscribedMb,
      peakRssMb: gateway.peakRssMb(),
    };
    log(
      `live ${scenario.id.padEnd(17)} ${result.delivered}/${result.expected} delivered, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ` +
        `cpu ${result.cpuPercent.toFixed(0)}% (${result.cpuMsPerThousand.toFixed(0)} ms per 1,000 deliveries), load ${result.loadAverage.toFixed(1)}, rss ${result.rssIdleMb.toFixed(0)} → ${result.rssSubscribedMb.toFixed(0)} MB (peak ${result.peakRssMb.toFixed(0)})`,
    );
    return result;
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    await writer.end();
    await gateway.stop();
  }
}

/** Runs both scenarios on a data set of their own (the quick one's shape, 1,000 runners), each on a fresh gateway. */
export async function runLiveBench(options: {
  serverUrl: string;
  port: () => Promise<number>;
  seconds: number;
  fresh: boolean;
  log: (line: string) => void;
}): Promise<LiveBenchResults> {
  const prepared = await preparePostgres(options.serverUrl, DATABASE, SIZES.quick, { fresh: options.fresh, log: options.log });
  const client = new pg.Client({ connectionString: prepared.url });
  await client.connect();
  const { rows } = await client.query<{ id: number }>('SELECT id FROM "Runner" ORDER BY id LIMIT $1', [SUBSCRIBERS]);
  await client.end();
  const runnerIds = rows.map((row) => row.id);
  if (runnerIds.length < SUBSCRIBERS) throw new Error(`the live data set has ${runnerIds.length} runners, not ${SUBSCRIBERS}`);
  const scenarios: LiveScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    scenarios.push(await runScenario(scenario, prepared.url, runnerIds, await options.port(), options.seconds, options.log));
  }
  return { changesPerSecond: CHANGES_PER_SECOND, seconds: options.seconds, scenarios };
}

const BEGIN = '<!-- live-bench:begin (written by `npm run bench`) -->';
const END = '<!-- live-bench:end -->';

export function renderLive(results: LiveBenchResults, when: Date, machine: string): string {
  const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  return [
    BEGIN,
    `### Live subscriptions (${when.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine})`,
    '',
    `1,000 concurrent GraphQL-over-SSE subscribers on one gateway (PostgreSQL) while runners change at ${results.changesPerSecond} changes/s for ${results.seconds} s,`,
    'each change an `UPDATE` of a runner committed straight to PostgreSQL. Latency: from just before the `UPDATE` to the',
    'event read by the subscriber (same machine, same clock). Memory per subscriber: RSS with the subscribers connected',
    'and idle, less RSS before, over 1,000. CPU: the gateway process over the measured window, in % of one core, and',
    'from the first change to the last delivery per 1,000 deliveries (less sensitive to a busy machine than latency).',
    "Load: the machine's 1-minute load average as the scenario started (the machine is shared with other work).",
    '',
    '| Subscribers follow | Delivered | p50 | p99 | max | Gateway CPU | CPU per 1,000 deliveries | RSS idle → subscribed (peak) | Memory per subscriber | Load |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.scenarios.map(
      (s) =>
        `| ${s.label} | ${s.delivered.toLocaleString('en')} / ${s.expected.toLocaleString('en')} | ${fmt(s.p50Ms)} ms | ${fmt(s.p99Ms)} ms | ${fmt(s.maxMs, 0)} ms | ${fmt(s.cpuPercent, 0)}% | ${fmt(s.cpuMsPerThousand, 0)} ms | ` +
        `${fmt(s.rssIdleMb, 0)} → ${fmt(s.rssSubscribedMb, 0)} MB (${fmt(s.peakRssMb, 0)} MB) | ${fmt(((s.rssSubscribedMb - s.rssIdleMb) * 1024) / s.subscribers, 0)} KB | ${fmt(s.loadAverage)} |`,
    ),
    END,
  ].join('\n');
}

/** Puts the live section into the hand-written part of BENCHMARKS.md (above the generated results), replacing the last one. */
export function withLiveSection(current: string, section: string, marker: string): string {
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (begin !== -1 && end > begin) return `${current.slice(0, begin)}${section}${current.slice(end + END.length)}`;
  const at = current.indexOf(marker);
  if (at === -1) return `${current.trimEnd()}\n\n${section}\n`;
  return `${current.slice(0, at)}${section}\n\n${current.slice(at)}`;
}
