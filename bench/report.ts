// Turns a run's measurements into the console summary and the generated half of BENCHMARKS.md, including the
// verdict on each of the issue's targets (ratios to the baseline measured in the same run).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoadOptions, LoadResult } from './load.ts';
import { type OverloadResult, overloadLines } from './overload.ts';
import type { Scenario } from './scenarios.ts';
import type { StatementCounts } from './statements.ts';
import { type Polling, peerSections, peerVerdicts } from './report-peers.ts';

export interface Measured {
  readonly scenario: Scenario;
  readonly gateway: LoadResult;
  readonly baseline: LoadResult | null;
  readonly statements: StatementCounts | null;
  /** PostGraphile 4 on the same rows (GraphQL scenarios only), timed right after the gateway. */
  readonly postgraphile?: LoadResult | null;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly loadAverage: readonly number[];
}

export interface RunResults {
  readonly mode: 'full' | 'quick';
  readonly startedAt: Date;
  readonly seconds: number;
  readonly machine: Machine;
  readonly load: LoadOptions;
  readonly postgres: {
    readonly version: string;
    readonly settings: Record<string, string>;
    readonly counts: Record<string, number>;
    readonly loadSeconds: number;
    readonly reused: boolean;
    readonly poolMax: number;
    readonly comparedAnswers: number;
    readonly measured: readonly Measured[];
    readonly overload: OverloadResult;
    readonly gatewayLifetimePeakMb: number;
    readonly baselineLifetimePeakMb: number;
    /** PostGraphile's version and the answers checked against the gateway's (same rows); null: not measured. */
    readonly postgraphile?: { readonly version: string; readonly comparedAnswers: number } | null;
    readonly polling?: Polling | null;
  };
  readonly pglite: {
    readonly counts: Record<string, number>;
    readonly loadSeconds: number;
    readonly reused: boolean;
    readonly measured: readonly { readonly scenario: Scenario; readonly result: LoadResult }[];
    readonly lifetimePeakMb: number;
  } | null;
}

export const MARKER = '<!-- Everything below is written by `npm run bench`; edit the part above by hand. -->';

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en') : '–');
const ms = (value: number) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : '–');
const pct = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : '–');
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');

interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

function byId(measured: readonly Measured[], id: string): Measured | undefined {
  return measured.find((row) => row.scenario.id === id);
}

/** The issue's targets, judged on the PostgreSQL run. */
export function verdicts(results: RunResults): Verdict[] {
  const rows = results.postgres.measured;
  const out: Verdict[] = [];
  const throughput = (id: string, target: number, label: string) => {
    const row = byId(rows, id);
    if (!row?.baseline) return;
    const ratio = row.gateway.reqPerSec / row.baseline.reqPerSec;
    out.push({
      target: `${label} ≥ ${pct(target)} of the baseline's req/s`,
      measured: `${pct(ratio)} (${int(row.gateway.reqPerSec)} vs ${int(row.baseline.reqPerSec)} req/s)`,
      met: ratio >= target,
    });
  };
  throughput('rest-runner', 0.7, 'REST `GET /runners/:id`');
  throughput('gql-runner', 0.55, 'GraphQL `runner(id)`');
  const p99 = rows
    .filter((row) => row.baseline)
    .map((row) => ({ id: row.scenario.id, ratio: row.gateway.p99Ms / (row.baseline?.p99Ms ?? Number.NaN) }));
  const worst = p99.reduce((a, b) => (b.ratio > a.ratio ? b : a), { id: '–', ratio: 0 });
  const over = p99.filter((row) => !(row.ratio <= 3)).map((row) => `${row.id} ${times(row.ratio)}`);
  out.push({
    target: "p99 ≤ 3× the baseline's, every scenario",
    measured: over.length ? `over in ${over.join(', ')}` : `worst ${worst.id} ${times(worst.ratio)}`,
    met: over.length === 0,
  });
  for (const [deep, first, label] of [
    ['rest-jobs-deep', 'rest-jobs', 'REST'],
    ['gql-jobs-deep', 'gql-jobs', 'GraphQL'],
  ] as const) {
    const a = byId(rows, deep);
    const b = byId(rows, first);
    if (!a || !b) continue;
    const ratio = a.gateway.p50Ms / b.gateway.p50Ms;
    out.push({
      target: `${label} job page 10,000 deep within 1.5× of the first page's latency (p50)`,
      measured: `${times(ratio)} (${ms(a.gateway.p50Ms)} vs ${ms(b.gateway.p50Ms)} ms; p99 ${times(a.gateway.p99Ms / b.gateway.p99Ms)})`,
      met: ratio <= 1.5,
    });
  }
  const sized = rows.filter((row) => row.statements?.gatewayAtOne !== null && row.statements?.gatewayAtOne !== undefined);
  const growing = sized.filter((row) => row.statements?.gatewayAtOne !== row.statements?.gatewayAtHundred);
  out.push({
    target: 'SQL statements per request constant as page size grows 1 → 100 (runner and job lists)',
    measured: growing.length
      ? `grows in ${growing.map((row) => row.scenario.id).join(', ')}`
      : sized.map((row) => `${row.scenario.id} ${row.statements?.gatewayAtOne}→${row.statements?.gatewayAtHundred}`).join(', '),
    met: growing.length === 0 && sized.length > 0,
  });
  out.push(...peerVerdicts(results));
  const peak = Math.max(...rows.map((row) => row.gateway.peakRssMb));
  out.push({
    target: 'Peak RSS of the server ≤ 300 MB (under load)',
    measured: `${int(peak)} MB (whole life, start-up included: ${int(results.postgres.gatewayLifetimePeakMb)} MB)`,
    met: peak <= 300,
  });
  return out;
}

function machineLines(results: RunResults): string[] {
  const { machine, postgres, load } = results;
  const settings = Object.entries(postgres.settings)
    .filter(([name]) => name !== 'server_version')
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return [
    `- **When:** ${results.startedAt.toISOString()} (${results.mode} run, ${Math.round(results.seconds)} s end to end)`,
    `- **Machine:** ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.os}; Node ${machine.node}; load average at start ${machine.loadAverage.map((v) => v.toFixed(2)).join(' ')}`,
    `- **PostgreSQL:** ${postgres.version} on the same machine (${settings}); gateway and baseline pools of ${postgres.poolMax}`,
    `- **Load:** autocannon, ${load.connections} connections, ${load.warmupSeconds} s warm-up then ${load.seconds} s measured, per scenario and server`,
    `- **Data (PostgreSQL):** ${Object.entries(postgres.counts)
      .map(([table, count]) => `${int(count)} ${table}`)
      .join(', ')} (${postgres.reused ? 'reused' : `loaded in ${int(postgres.loadSeconds)} s`})`,
    ...(results.pglite
      ? [
          `- **Data (PGlite):** ${Object.entries(results.pglite.counts)
            .map(([table, count]) => `${int(count)} ${table}`)
            .join(', ')}`,
        ]
      : []),
    `- **Checked before timing:** ${postgres.comparedAnswers} answers, gateway vs baseline: same status, same pagination headers, same JSON (durations of running jobs aside)`,
  ];
}

const cpu = (result: LoadResult) =>
  `${result.cpuMsPerRequest.toFixed(2)} + ${result.postgresCpuMsPerRequest === null ? '?' : result.postgresCpuMsPerRequest.toFixed(2)}`;

function postgresTable(results: RunResults): string[] {
  const lines = [
    '| Scenario | Server | req/s | p50 ms | p99 ms | peak RSS MB | CPU ms / request: server + PostgreSQL | SQL / request | same SQL |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
  ];
  for (const { scenario, gateway, baseline, statements } of results.postgres.measured) {
    const name = `${scenario.transport} ${scenario.label}`;
    if (baseline) {
      lines.push(
        `| ${name} | baseline | ${int(baseline.reqPerSec)} | ${ms(baseline.p50Ms)} | ${ms(baseline.p99Ms)} | ${int(baseline.peakRssMb)} | ${cpu(baseline)} | ${statements?.baseline ?? '–'} | |`,
      );
    }
    const ratio = (a: number, b: number | undefined) => (b ? ` (${pct(a / b)})` : '');
    const sizes =
      statements && statements.gatewayAtOne !== null ? ` (${statements.gatewayAtOne} at 1, ${statements.gatewayAtHundred} at 100)` : '';
    lines.push(
      `| ${name} | **gateway** | ${int(gateway.reqPerSec)}${ratio(gateway.reqPerSec, baseline?.reqPerSec)} | ${ms(gateway.p50Ms)}${baseline ? ` (${times(gateway.p50Ms / baseline.p50Ms)})` : ''} | ${ms(gateway.p99Ms)}${baseline ? ` (${times(gateway.p99Ms / baseline.p99Ms)})` : ''} | ${int(gateway.peakRssMb)}${baseline ? ` (${times(gateway.peakRssMb / baseline.peakRssMb)})` : ''} | ${cpu(gateway)} | ${statements?.gateway ?? '–'}${sizes} | ${statements?.sameSql === null || statements === null ? '–' : statements.sameSql ? 'yes' : '**no**'} |`,
    );
  }
  const failures = results.postgres.measured.filter((row) => row.gateway.failures || row.baseline?.failures);
  if (failures.length)
    lines.push('', `**Warning:** failed requests in ${failures.map((row) => row.scenario.id).join(', ')}; those figures are suspect.`);
  return lines;
}

function pgliteTable(results: RunResults): string[] {
  if (!results.pglite) return [];
  const pgRows = results.postgres.measured;
  return [
    '| Scenario | req/s | p50 ms | p99 ms | peak RSS MB | vs the gateway on PostgreSQL (req/s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.pglite.measured.map(({ scenario, result }) => {
      const onPg = byId(pgRows, scenario.id)?.gateway.reqPerSec;
      return `| ${scenario.transport} ${scenario.label} | ${int(result.reqPerSec)} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${int(result.peakRssMb)} | ${onPg ? pct(result.reqPerSec / onPg) : '–'} |`;
    }),
    '',
    `Peak RSS over the PGlite server's whole life: ${int(results.pglite.lifetimePeakMb)} MB (the database runs inside it).`,
  ];
}

export function renderMarkdown(results: RunResults): string {
  return [
    MARKER,
    '',
    `## Results (${results.mode === 'full' ? 'full run' : 'quick run: indicative only'})`,
    '',
    ...machineLines(results),
    '',
    '### Targets (PostgreSQL, ratios to the baseline in the same run)',
    '',
    '| Target | Measured | Met |',
    '| --- | --- | :---: |',
    ...verdicts(results).map((v) => `| ${v.target} | ${v.measured} | ${v.met ? 'yes' : '**no**'} |`),
    '',
    '### PostgreSQL: gateway vs baseline',
    '',
    "Ratios in brackets are the gateway's figure against the baseline's for the same scenario: req/s as a share of the baseline's, latency and memory as multiples.",
    '',
    ...postgresTable(results),
    '',
    `Peak RSS over each server's whole life, start-up included: gateway ${int(results.postgres.gatewayLifetimePeakMb)} MB, baseline ${int(results.postgres.baselineLifetimePeakMb)} MB.`,
    '',
    ...peerSections(results),
    `### Overload: ${results.postgres.overload.connections} connections of the most expensive allowed query for ${results.postgres.overload.seconds} s, beside cheap requests`,
    '',
    ...overloadLines(results.postgres.overload),
    '',
    ...(results.pglite ? ['### Embedded PGlite (one query at a time; no baseline)', '', ...pgliteTable(results), ''] : []),
  ].join('\n');
}

const DEFAULT_HEADER = '# Benchmarks\n\nSee README.md, section Benchmarks, for how to run them.\n\n';

/** Keeps the hand-written part of the file (above MARKER) and replaces the rest. */
export function writeReport(path: string, markdown: string): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : DEFAULT_HEADER;
  const index = current.indexOf(MARKER);
  const header = index === -1 ? `${current.trimEnd()}\n\n` : current.slice(0, index);
  writeFileSync(path, `${header}${markdown}`);
}

export function printSummary(results: RunResults, log: (line: string) => void): void {
  log('');
  for (const { scenario, gateway, baseline, statements } of results.postgres.measured) {
    const ratio = baseline
      ? ` ${pct(gateway.reqPerSec / baseline.reqPerSec).padStart(4)} of baseline ${int(baseline.reqPerSec).padStart(6)}`
      : '';
    log(
      `${`${scenario.transport} ${scenario.label}`.padEnd(52)} ${int(gateway.reqPerSec).padStart(6)} req/s${ratio}  p50 ${ms(gateway.p50Ms).padStart(6)}  p99 ${ms(gateway.p99Ms).padStart(6)} ms  rss ${int(gateway.peakRssMb)} MB  cpu ${cpu(gateway)}${baseline ? ` (baseline ${cpu(baseline)})` : ''} ms  sql ${statements?.gateway ?? '–'}`,
    );
  }
  for (const { scenario, result } of results.pglite?.measured ?? []) {
    log(
      `PGlite ${`${scenario.transport} ${scenario.label}`.padEnd(45)} ${int(result.reqPerSec).padStart(6)} req/s  p50 ${ms(result.p50Ms).padStart(6)}  p99 ${ms(result.p99Ms).padStart(6)} ms  rss ${int(result.peakRssMb)} MB`,
    );
  }
  log('');
  for (const verdict of verdicts(results)) log(`${verdict.met ? 'met   ' : 'MISSED'}  ${verdict.target}: ${verdict.measured}`);
}
