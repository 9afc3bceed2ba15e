// `npm run bench [-- --quick] [-- --fresh] [-- --no-pglite] [-- --overload] [-- --live | --no-live]`: loads the data
// sets, starts the gateway and the baseline as processes, checks they answer alike, counts SQL per request, drives
// every scenario with autocannon, runs the overload scenario (bench/overload.ts), then does the same on the embedded
// PGlite, and writes BENCHMARKS.md (--quick: bench/.results/BENCHMARKS.quick.md, so a quick look never replaces the
// committed figures). --overload runs the overload scenario alone and prints its figures; --live runs the live
// subscriptions scenario alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { benchDatabaseName, preparePGlite, preparePostgres, postgresServerUrl } from './databases.ts';
import { SIZES } from './dataset.ts';
import { renderLive, runLiveBench, withLiveSection } from './live.ts';
import { drive, type LoadOptions } from './load.ts';
import { ROOT, type ServerProcess, startBaseline, startGateway } from './processes.ts';
import { MARKER, type Measured, printSummary, renderMarkdown, type RunResults, writeReport } from './report.ts';
import { buildScenarios, EXTERNAL_URL, findCursors, HEADERS } from './scenarios.ts';
import { type OverloadOptions, overloadLines, runOverload } from './overload.ts';
import { assertSameAnswers, countStatements } from './statements.ts';
import { runScaleBench } from './scale.ts';
import { assertSameRows, ensurePostGraphile, POSTGRAPHILE_VERSION, postGraphileRequests, startPostGraphile } from './postgraphile.ts';
import { drivePolling, withListedRunnerRestored } from './polling.ts';

const args = new Set(process.argv.slice(2));
for (const arg of args) {
  if (!['--quick', '--fresh', '--no-pglite', '--overload', '--live', '--no-live', '--scale'].includes(arg)) {
    console.error(
      `unknown option ${arg}; use --quick, --fresh, --no-pglite, --overload, --live (the live scenario alone), --no-live, --scale (latency at 1,200 and 100,000 runners)`,
    );
    process.exit(2);
  }
}
const quick = args.has('--quick');
const fresh = args.has('--fresh');
const size = quick ? SIZES.quick : SIZES.full;
const databaseName = benchDatabaseName(quick ? '_quick' : '');
const load: LoadOptions = quick
  ? { connections: 50, warmupSeconds: 0.4, seconds: 0.8 }
  : { connections: 50, warmupSeconds: 3, seconds: 10 };
/** 50 connections of the most expensive allowed query for 30 s (5 s with --quick). */
const overloadOptions: OverloadOptions = { connections: 50, seconds: quick ? 5 : 30 };
/** The gateway's default pool (DB_POOL_MAX); the baseline gets the same. */
const POOL_MAX = 10;
const started = performance.now();
const log = (line: string) => console.log(line);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function withServers<T>(starts: (() => Promise<ServerProcess>)[], work: (servers: ServerProcess[]) => Promise<T>): Promise<T> {
  const servers: ServerProcess[] = [];
  try {
    for (const start of starts) servers.push(await start());
    return await work(servers);
  } finally {
    for (const server of servers) await server.stop();
  }
}

const machine = {
  cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  os: `${type()} ${release()}`,
  node: process.version,
  loadAverage: loadavg(),
};
log(
  `npm run bench${quick ? ' --quick' : ''}: ${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage.map((v) => v.toFixed(2)).join(' ')}`,
);
if (machine.loadAverage[0] !== undefined && machine.loadAverage[0] > machine.cores) {
  log(
    `warning: the machine is already busy (load ${machine.loadAverage[0].toFixed(2)} on ${machine.cores} cores); absolute figures will be low, ratios to the baseline less so`,
  );
}

const serverUrl = postgresServerUrl();
const reportPath = quick ? join(ROOT, 'bench', '.results', 'BENCHMARKS.quick.md') : join(ROOT, 'BENCHMARKS.md');

/** The live subscriptions scenario (bench/live.ts), its section written into the report's hand-written part. */
async function live(): Promise<void> {
  const results = await runLiveBench({ serverUrl, port: freePort, seconds: quick ? 4 : 15, fresh, log });
  mkdirSync(join(ROOT, 'bench', '.results'), { recursive: true });
  const current = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : '# Benchmarks\n';
  writeFileSync(
    reportPath,
    withLiveSection(
      current,
      renderLive(results, new Date(), `${machine.cpu}, ${machine.cores} cores, load average ${loadavg()[0]?.toFixed(1)} when it ended`),
      MARKER,
    ),
  );
  log(`${elapsed()}  live subscriptions written to ${reportPath}`);
}
if (args.has('--live')) {
  await live();
  process.exit(0);
}
// --scale: single-request latency at 1,200 and 100,000 runners (bench/scale.ts), alone.
if (args.has('--scale')) {
  await runScaleBench({ serverUrl, fresh, log, port: freePort });
  process.exit(0);
}

// --- PostgreSQL ---
const prepared = await preparePostgres(serverUrl, databaseName, size, { fresh, log });
log(
  `${elapsed()}  PostgreSQL data set ${prepared.reused ? 'reused' : 'loaded'} (${databaseName}: ${prepared.counts.Runner} runners, ${(prepared.counts.Job ?? 0).toLocaleString('en')} jobs)`,
);

if (args.has('--overload')) {
  const port = await freePort();
  const result = await withServers([() => startGateway(port, { url: prepared.url }, EXTERNAL_URL)], ([gateway]) => {
    if (!gateway) throw new Error('server did not start');
    return runOverload(gateway, overloadOptions);
  });
  log('');
  for (const line of overloadLines(result)) log(line);
  mkdirSync(join(ROOT, 'bench', '.results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', '.results', `overload-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify(result, null, 2),
  );
  process.exit(0);
}

ensurePostGraphile(log);
const [gatewayPort, baselinePort, postgraphilePort] = [await freePort(), await freePort(), await freePort()];
const postgres = await withServers(
  [
    () => startGateway(gatewayPort, { url: prepared.url }, EXTERNAL_URL),
    () => startBaseline(baselinePort, prepared.url, EXTERNAL_URL, POOL_MAX),
    () => startPostGraphile(postgraphilePort, prepared.url, POOL_MAX),
  ],
  async ([gateway, baseline, postgraphile]) => {
    if (!gateway || !baseline || !postgraphile) throw new Error('servers did not start');
    const scenarios = buildScenarios(size, await findCursors(gateway.url, size));
    const comparedAnswers = await assertSameAnswers(gateway.url, baseline.url, scenarios);
    log(`${elapsed()}  ${comparedAnswers} answers compared: the gateway and the baseline agree`);
    const peerRequests = await postGraphileRequests(postgraphile.url, size);
    const peerCompared = await assertSameRows(gateway.url, postgraphile.url, scenarios, peerRequests, HEADERS);
    log(`${elapsed()}  ${peerCompared} answers compared: the gateway and PostGraphile return the same rows`);
    const statements = await countStatements(prepared.url, EXTERNAL_URL, scenarios);
    for (const [id, counts] of statements) {
      if (counts.sameSql === false)
        log(`warning: ${id}: the baseline no longer sends the gateway's SQL; copy it again into bench/baseline-sql.ts`);
    }
    const measured: Measured[] = [];
    for (const scenario of scenarios) {
      // Baseline first, then the gateway, scenario by scenario: drift in the machine's load hits both alike.
      const baselineResult = await drive(baseline, scenario.requests, load, databaseName);
      const gatewayResult = await drive(gateway, scenario.requests, load, databaseName);
      const peer = peerRequests.get(scenario.id);
      const postgraphileResult = peer ? await drive(postgraphile, peer, load, databaseName) : null;
      measured.push({
        scenario,
        gateway: gatewayResult,
        baseline: baselineResult,
        statements: statements.get(scenario.id) ?? null,
        postgraphile: postgraphileResult,
      });
      log(
        `${elapsed()}  ${scenario.id.padEnd(15)} gateway ${gatewayResult.reqPerSec.toFixed(0).padStart(6)} req/s, baseline ${baselineResult.reqPerSec.toFixed(0).padStart(6)} req/s${postgraphileResult ? `, PostGraphile ${postgraphileResult.reqPerSec.toFixed(0).padStart(6)} req/s` : ''}`,
      );
    }
    const polling = await withListedRunnerRestored(prepared.url, async () => ({
      gateway: await drivePolling(gateway, 'gateway', load, databaseName),
      conditional: await drivePolling(gateway, 'gateway-conditional', load, databaseName),
      postgraphile: await drivePolling(postgraphile, 'postgraphile', load, databaseName),
    }));
    log(
      `${elapsed()}  polling         gateway ${polling.gateway.reqPerSec.toFixed(0)}, with If-None-Match ${polling.conditional.reqPerSec.toFixed(0)} (${Math.round(polling.conditional.notModifiedShare * 100)}% 304), PostGraphile ${polling.postgraphile.reqPerSec.toFixed(0)} answers/s`,
    );
    // Last, so that whatever it leaves behind (a grown heap) does not colour the figures above.
    const overload = await runOverload(gateway, overloadOptions);
    log(
      `${elapsed()}  overload        peak RSS ${overload.peakRssMb.toFixed(0)} MB, ${overload.heavyAnswered} heavy answers, ${overload.cheapAnswered} cheap ones, ${overload.heavyFailures + overload.cheapFailures} failed`,
    );
    return {
      version: prepared.serverVersion,
      settings: prepared.settings,
      counts: prepared.counts,
      loadSeconds: prepared.seconds,
      reused: prepared.reused,
      poolMax: POOL_MAX,
      comparedAnswers,
      measured,
      overload,
      gatewayLifetimePeakMb: gateway.lifetimePeakRssMb(),
      baselineLifetimePeakMb: baseline.lifetimePeakRssMb(),
      postgraphile: { version: POSTGRAPHILE_VERSION, comparedAnswers: peerCompared },
      polling,
    };
  },
);

// --- PGlite: the same gateway on the embedded database, smaller data ---
let pglite: RunResults['pglite'] = null;
if (!args.has('--no-pglite')) {
  const dataDir = join(ROOT, 'bench', '.data', 'pglite');
  mkdirSync(dataDir, { recursive: true });
  const loaded = await preparePGlite(dataDir, SIZES.pglite, { fresh, log });
  log(
    `${elapsed()}  PGlite data set ${loaded.reused ? 'reused' : 'loaded'} (${loaded.counts.Runner} runners, ${(loaded.counts.Job ?? 0).toLocaleString('en')} jobs)`,
  );
  const port = await freePort();
  pglite = await withServers([() => startGateway(port, { dataDir }, EXTERNAL_URL)], async ([gateway]) => {
    if (!gateway) throw new Error('server did not start');
    // --quick drives two scenarios on PGlite (a runner, a deep job page), to stay under a minute; the full run, all.
    const scenarios = buildScenarios(SIZES.pglite, await findCursors(gateway.url, SIZES.pglite)).filter(
      (scenario) => !quick || scenario.id === 'rest-runner' || scenario.id === 'rest-jobs-deep',
    );
    const measured = [];
    for (const scenario of scenarios) {
      const result = await drive(gateway, scenario.requests, load);
      measured.push({ scenario, result });
      log(`${elapsed()}  pglite ${scenario.id.padEnd(15)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s`);
    }
    return {
      counts: loaded.counts,
      loadSeconds: loaded.seconds,
      reused: loaded.reused,
      measured,
      lifetimePeakMb: gateway.lifetimePeakRssMb(),
    };
  });
}

const results: RunResults = {
  mode: quick ? 'quick' : 'full',
  startedAt: new Date(Date.now() - (performance.now() - started)),
  seconds: (performance.now() - started) / 1000,
  machine,
  load,
  postgres,
  pglite,
};
printSummary(results, log);
mkdirSync(join(ROOT, 'bench', '.results'), { recursive: true });
const output = reportPath;
writeReport(output, renderMarkdown(results));
if (!args.has('--no-live')) await live();
writeFileSync(
  join(ROOT, 'bench', '.results', `${results.mode}-${results.startedAt.toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify(results, null, 2),
);
log(`\nwrote ${output} in ${elapsed()}`);
