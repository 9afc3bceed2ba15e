// `npm run bench -- --scale`: single-request latency of every list, filter, sort, search and deep page of both
// APIs at two sizes of the same data set (bench/dataset.ts): the full one (1,200 runners, 1M jobs, database
// `rg_bench`) and a hundred thousand runners with 4M jobs (`rg_bench_scale`). Each request is sent alone, 30 times
// in a row after 3 unmeasured ones; its p50 is the figure, and the ratio large/small is the target (≤ 2×). The
// section between the scale-bench markers of BENCHMARKS.md is rewritten; the rest of the file is left alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgres } from '../src/db/client.ts';
import { createPersonalAccessToken } from '../src/services/tokens.ts';
import { databaseUrl, preparePostgres } from './databases.ts';
import { ADMIN_TOKEN, type DatasetSize, SIZES } from './dataset.ts';
import { ROOT, startGateway } from './processes.ts';
import { EXTERNAL_URL } from './scenarios.ts';
import { findSubjects, type ScaleRequest, scaleRequests } from './scale-requests.ts';

/**
 * GitLab-sized: 100,000 runners (10% instance, 30% group, 60% project), 20,000 users, 2,000 groups, 27,000
 * projects, 4M jobs; the 30 busy instance runners take half of the jobs that ran, about 61,000 each.
 */
export const SCALE_SIZE: DatasetSize = {
  name: 'scale',
  users: 20_000,
  topGroups: 400,
  subgroupsPerGroup: 4,
  projects: 25_000,
  personalProjects: 2_000,
  runners: 100_000,
  commitsPerProject: 10,
  pipelines: 500_000,
  jobsPerPipeline: 8,
  busyRunners: 30,
};

const OWNER_TOKEN = 'glpat-benchmark-group-owner-0000';
const CALLS = 30;
const WARMUP = 3;
const TARGET_RATIO = 2;
const TARGET_MS = 50;
const BEGIN = '<!-- scale-bench:begin (written by `npm run bench -- --scale`) -->';
const END = '<!-- scale-bench:end -->';

interface Timing {
  readonly p50: number;
  readonly max: number;
  /** What the answer held: X-Total (REST), the first `count` (GraphQL), or the rows on the page. */
  readonly answer: string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Sends one request and checks it succeeded: a failed request must never pass as a fast one. */
async function send(base: string, request: ScaleRequest): Promise<string> {
  const response = await fetch(`${base}${request.path}`, {
    method: request.body ? 'POST' : 'GET',
    headers: { 'private-token': request.as === 'owner' ? OWNER_TOKEN : ADMIN_TOKEN, 'content-type': 'application/json' },
    body: request.body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${request.id}: ${response.status} ${text.slice(0, 300)}`);
  if (request.transport === 'REST') {
    const body = JSON.parse(text) as unknown;
    const rows = Array.isArray(body) ? body.length : 1;
    return `${response.headers.get('x-total') ?? 'uncounted'} / ${rows} rows`;
  }
  const answer = JSON.parse(text) as { errors?: unknown[] };
  if (answer.errors?.length) throw new Error(`${request.id}: ${JSON.stringify(answer.errors).slice(0, 300)}`);
  return /"count":(\d+)/.exec(text)?.[1] ?? 'uncounted';
}

/** A request slower than this is timed 5 times instead of 30, so that one pathological request cannot take the run's hour. */
const SLOW_MS = 1_000;

async function time(base: string, request: ScaleRequest): Promise<Timing> {
  let answer = '';
  let slow = false;
  for (let i = 0; i < WARMUP; i++) {
    const t0 = performance.now();
    answer = await send(base, request);
    slow = performance.now() - t0 > SLOW_MS;
  }
  const samples: number[] = [];
  for (let i = 0; i < (slow ? 5 : CALLS); i++) {
    const t0 = performance.now();
    await send(base, request);
    samples.push(performance.now() - t0);
  }
  return { p50: median(samples), max: Math.max(...samples), answer };
}

/** The group Owner's token, stored by digest through the app's service (once per database). */
async function ensureOwnerToken(url: string, ownerId: number): Promise<void> {
  const database = await openPostgres(url, { max: 1 });
  try {
    await database.prisma.personalAccessToken.deleteMany({ where: { name: 'benchmark group owner' } });
    await createPersonalAccessToken(database.prisma, {
      userId: ownerId,
      name: 'benchmark group owner',
      scopes: ['api'],
      token: OWNER_TOKEN,
    });
  } finally {
    await database.close();
  }
}

interface SizeResult {
  readonly name: string;
  readonly runners: number;
  readonly jobs: number;
  readonly loadSeconds: number;
  readonly timings: Record<string, Timing>;
}

async function measureSize(
  serverUrl: string,
  name: string,
  size: DatasetSize,
  options: { fresh: boolean; log: (line: string) => void; port: () => Promise<number> },
): Promise<{ result: SizeResult; requests: ScaleRequest[] }> {
  const prepared = await preparePostgres(serverUrl, name, size, options);
  options.log(
    `${name}: ${prepared.reused ? 'reused' : `loaded in ${prepared.seconds.toFixed(0)} s`} (${prepared.counts.Runner} runners, ${prepared.counts.Job} jobs)`,
  );
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, name) });
  await client.connect();
  const subjects = await findSubjects({
    exec: (text) => client.query(text),
    query: async <Row>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as Row[] }),
  }).finally(() => client.end());
  await ensureOwnerToken(prepared.url, subjects.ownerId);
  const requests = scaleRequests(subjects);
  const gateway = await startGateway(await options.port(), { url: prepared.url }, EXTERNAL_URL);
  const timings: Record<string, Timing> = {};
  try {
    for (const request of requests) {
      timings[request.id] = await time(gateway.url, request);
      options.log(
        `  ${name} ${request.id.padEnd(22)} p50 ${timings[request.id]?.p50.toFixed(1).padStart(7)} ms  ${timings[request.id]?.answer}`,
      );
    }
  } finally {
    await gateway.stop();
  }
  const result = { name, runners: prepared.counts.Runner ?? 0, jobs: prepared.counts.Job ?? 0, loadSeconds: prepared.seconds, timings };
  return { result, requests };
}

const ms = (value: number | undefined) => (value === undefined ? '–' : value < 10 ? value.toFixed(1) : value.toFixed(0));

function render(small: SizeResult, large: SizeResult, requests: ScaleRequest[], context: string): string {
  const lines = [
    BEGIN,
    `### Scale: single-request latency at 1,200 and 100,000 runners (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `${context}. p50 of ${CALLS} sequential calls (5 for a request over ${SLOW_MS / 1000} s) after ${WARMUP} unmeasured ones, each request alone; "×" is large / small.`,
    `Target: × ≤ ${TARGET_RATIO} and p50 ≤ ${TARGET_MS} ms at both sizes. "answer" is the count the answer carried at 100,000 runners`,
    '(REST: X-Total, and the rows on the page).',
    '',
    `| request | ${small.runners.toLocaleString('en')} runners | ${large.runners.toLocaleString('en')} runners | × | met | answer |`,
    '| --- | ---: | ---: | ---: | :---: | --- |',
  ];
  for (const request of requests) {
    const a = small.timings[request.id];
    const b = large.timings[request.id];
    const ratio = a && b ? b.p50 / a.p50 : undefined;
    const met = a && b && ratio !== undefined && ratio <= TARGET_RATIO && a.p50 <= TARGET_MS && b.p50 <= TARGET_MS;
    lines.push(
      `| ${request.label} | ${ms(a?.p50)} ms | ${ms(b?.p50)} ms | ${ratio?.toFixed(1) ?? '–'} | ${met ? 'yes' : '**no**'} | ${b?.answer ?? ''} |`,
    );
  }
  lines.push(END);
  return lines.join('\n');
}

/** Replaces the scale section (or puts it just above the generated part, or at the end). */
function withSection(current: string, section: string): string {
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (begin !== -1 && end > begin) return `${current.slice(0, begin)}${section}${current.slice(end + END.length)}`;
  const at = current.indexOf('<!-- Everything below is written by `npm run bench`');
  if (at === -1) return `${current.trimEnd()}\n\n${section}\n`;
  return `${current.slice(0, at)}${section}\n\n${current.slice(at)}`;
}

export async function runScaleBench(options: {
  serverUrl: string;
  fresh: boolean;
  log: (line: string) => void;
  port: () => Promise<number>;
}): Promise<void> {
  const loadBefore = loadavg();
  const small = await measureSize(options.serverUrl, 'rg_bench', SIZES.full, options);
  const large = await measureSize(options.serverUrl, 'rg_bench_scale', SCALE_SIZE, options);
  const loadAfter = loadavg();
  const context =
    `${cpus()[0]?.model.trim()}, ${cpus().length} cores, shared; load average ${loadBefore[0]?.toFixed(1)} at the start, ` +
    `${loadAfter[0]?.toFixed(1)} at the end; PostgreSQL on the same machine, settings as found (jit as configured); ` +
    `data: ${small.result.jobs.toLocaleString('en')} and ${large.result.jobs.toLocaleString('en')} jobs`;
  const section = render(small.result, large.result, large.requests, context);
  const path = join(ROOT, 'BENCHMARKS.md');
  writeFileSync(path, withSection(existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n', section));
  mkdirSync(join(ROOT, 'bench', '.results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', '.results', `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify({ loadBefore, loadAfter, small: small.result, large: large.result }, null, 2),
  );
  options.log(section);
}
