// `npm run bench:latency -- [scenario-id …]`: where a scenario's slowest answers come from. The gateway runs as
// `npm start` runs it, on the full data set (`npm run bench` loads it); per scenario, autocannon's 50 connections warm
// it up for 3 s, then a measured window of 10 s opens 50 new connections, as each of `npm run bench`'s windows does.
// Printed: p50, p90, p99 and max; how latencies spread (100 ms buckets); and when, within the window, the answers
// slower than three times the p50 finished. Slow answers early in the window are connections waiting to be
// accepted (see src/db/turns.ts); slow answers spread through it are the server's own tail.
import { benchDatabaseName, databaseUrl, postgresServerUrl } from './databases.ts';
import { SIZES } from './dataset.ts';
import { cannon, percentile } from './load.ts';
import { startGateway } from './processes.ts';
import { type BenchRequest, buildScenarios, EXTERNAL_URL, findCursors } from './scenarios.ts';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 3;
const SECONDS = Number(process.env.LATENCY_SECONDS ?? 10);

interface Answer {
  /** When it finished, in ms from the window's start. */
  readonly at: number;
  readonly ms: number;
}

/** Drives one window; `answers` hears when each 2xx answer finished (ms from the window's start) and its latency. */
async function drive(url: string, requests: readonly BenchRequest[], seconds: number, answers?: Answer[]): Promise<void> {
  const started = performance.now();
  await cannon(url, requests, CONNECTIONS, seconds, answers ? (ms) => answers.push({ at: performance.now() - started, ms }) : undefined);
}

const wanted = new Set(process.argv.slice(2));
const gateway = await startGateway(4717, { url: databaseUrl(postgresServerUrl(), benchDatabaseName()) }, EXTERNAL_URL);
try {
  const scenarios = buildScenarios(SIZES.full, await findCursors(gateway.url, SIZES.full)).filter(
    (scenario) => wanted.size === 0 || wanted.has(scenario.id),
  );
  for (const scenario of scenarios) {
    await drive(gateway.url, scenario.requests, WARMUP_SECONDS);
    const answers: Answer[] = [];
    await drive(gateway.url, scenario.requests, SECONDS, answers);
    const sorted = answers.map((answer) => answer.ms).sort((a, b) => a - b);
    const at = (fraction: number) => percentile(sorted, fraction);
    const buckets = new Map<number, number>();
    for (const ms of sorted) buckets.set(Math.floor(ms / 100) * 100, (buckets.get(Math.floor(ms / 100) * 100) ?? 0) + 1);
    const slow = answers.filter((answer) => answer.ms > 3 * at(0.5));
    console.log(
      `${scenario.id.padEnd(15)} ${sorted.length} answers  p50 ${at(0.5).toFixed(0)} ms  p90 ${at(0.9).toFixed(0)} ms  p99 ${at(0.99).toFixed(0)} ms  max ${at(1).toFixed(0)} ms`,
    );
    console.log(`  spread (ms: answers): ${[...buckets].map(([from, count]) => `${from}: ${count}`).join(', ')}`);
    const times = slow.slice(0, 40).map((answer) => (answer.at / 1000).toFixed(2));
    console.log(`  ${slow.length} over 3× the p50, finished at (s): ${times.join(' ') || '-'}${slow.length > 40 ? ' …' : ''}`);
  }
} finally {
  await gateway.stop();
}
