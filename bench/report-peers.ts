// The parts of the report about PostGraphile 4 (a peer measured in the same run) and the polling scenario, with the
// verdicts of issue #16's targets that depend on them.
import type { LoadResult } from './load.ts';
import type { PollingResult } from './polling.ts';
import type { RunResults } from './report.ts';

export interface Polling {
  readonly gateway: PollingResult;
  readonly conditional: PollingResult;
  readonly postgraphile: PollingResult | null;
}

interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en') : '–');
const ms = (value: number) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : '–');
const pct = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : '–');
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
const cpuTotal = (result: { cpuMsPerRequest: number; postgresCpuMsPerRequest: number | null }) =>
  result.cpuMsPerRequest + (result.postgresCpuMsPerRequest ?? Number.NaN);
const cpu = (result: { cpuMsPerRequest: number; postgresCpuMsPerRequest: number | null }) =>
  `${result.cpuMsPerRequest.toFixed(2)} + ${result.postgresCpuMsPerRequest === null ? '?' : result.postgresCpuMsPerRequest.toFixed(2)}`;

/**
 * Issue #16's "today": the lower ends of the server + PostgreSQL CPU per request it measured (runner(id) 2.05 +
 * 1.20 ms, a job page 7.1 + 3.4 ms); the target is at most half of those.
 */
const TODAY_CPU_MS = { 'gql-runner': 2.05 + 1.2, 'gql-jobs': 7.1 + 3.4 } as const;

export function peerVerdicts(results: RunResults): Verdict[] {
  const out: Verdict[] = [];
  const rows = results.postgres.measured;
  const runner = rows.find((row) => row.scenario.id === 'gql-runner');
  if (runner?.postgraphile) {
    const ratio = runner.gateway.reqPerSec / runner.postgraphile.reqPerSec;
    out.push({
      target: "GraphQL `runner(id)` ≥ 50% of PostGraphile 4's req/s",
      measured: `${pct(ratio)} (${int(runner.gateway.reqPerSec)} vs ${int(runner.postgraphile.reqPerSec)} req/s)`,
      met: ratio >= 0.5,
    });
  }
  for (const [id, label] of [
    ['gql-runner', 'one runner (GraphQL `runner(id)`)'],
    ['gql-jobs', 'a job page (GraphQL, first page of 20)'],
  ] as const) {
    const row = rows.find((candidate) => candidate.scenario.id === id);
    if (!row) continue;
    const total = cpuTotal(row.gateway);
    out.push({
      target: `Server + PostgreSQL CPU per request for ${label} ≤ half of the issue's ${TODAY_CPU_MS[id].toFixed(2)} ms`,
      measured: `${ms(total)} ms (${cpu(row.gateway)})`,
      met: total <= TODAY_CPU_MS[id] / 2,
    });
  }
  const polling = results.postgres.polling;
  if (polling?.postgraphile) {
    const ratio = polling.conditional.reqPerSec / polling.postgraphile.reqPerSec;
    out.push({
      target: "Polling with conditional requests ≥ 2× PostGraphile 4's req/s on the same pattern",
      measured: `${times(ratio)} (${int(polling.conditional.reqPerSec)} vs ${int(polling.postgraphile.reqPerSec)} answers/s; ${pct(polling.conditional.notModifiedShare)} were 304s)`,
      met: ratio >= 2,
    });
  }
  return out;
}

function peerRow(name: string, server: string, result: LoadResult, against?: LoadResult): string {
  const ratio = against ? ` (${pct(result.reqPerSec / against.reqPerSec)})` : '';
  return `| ${name} | ${server} | ${int(result.reqPerSec)}${ratio} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${int(result.peakRssMb)} | ${cpu(result)} |`;
}

export function peerSections(results: RunResults): string[] {
  const lines: string[] = [];
  const compared = results.postgres.measured.filter((row) => row.postgraphile);
  if (compared.length && results.postgres.postgraphile) {
    lines.push(
      `### GraphQL: gateway vs PostGraphile ${results.postgres.postgraphile.version}`,
      '',
      `Same database, same pool size, timed right after the gateway, scenario by scenario; ${results.postgres.postgraphile.comparedAnswers} answers checked before timing (same rows, same order). PostGraphile runs as the database superuser with no token, no authorization and no query limits. Ratios: the gateway's req/s as a share of PostGraphile's.`,
      '',
      '| Scenario | Server | req/s | p50 ms | p99 ms | peak RSS MB | CPU ms / request: server + PostgreSQL |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const row of compared) {
      if (!row.postgraphile) continue;
      const name = `GraphQL ${row.scenario.label}`;
      lines.push(peerRow(name, 'PostGraphile', row.postgraphile), peerRow(name, '**gateway**', row.gateway, row.postgraphile));
    }
    lines.push('');
  }
  const polling = results.postgres.polling;
  if (polling) {
    const row = (label: string, result: PollingResult, against: PollingResult | null) =>
      `| ${label} | ${int(result.reqPerSec)}${against ? ` (${times(result.reqPerSec / against.reqPerSec)})` : ''} | ${pct(result.notModifiedShare)} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${cpu(result)} |`;
    lines.push(
      '### Polling: the same runner list re-read while 5% of requests write',
      '',
      "Each connection re-reads the first 100 runners (GraphQL: the gateway's `runners(first: 100)` by GET, PostGraphile's `allRunners` by POST) and every 20th request updates a listed runner's description. Answers/s count full answers and 304s; ratios are to PostGraphile's.",
      '',
      '| Server | answers/s | 304s | p50 ms | p99 ms | CPU ms / answer: server + PostgreSQL |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...(polling.postgraphile ? [row('PostGraphile (no conditional requests)', polling.postgraphile, null)] : []),
      row('gateway, every poll answered in full', polling.gateway, polling.postgraphile),
      row('**gateway with conditional requests** (If-None-Match)', polling.conditional, polling.postgraphile),
      '',
    );
  }
  return lines;
}
