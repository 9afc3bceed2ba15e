// `npm run bench:profile -- [scenario-id …] [--cpu-prof]`: the gateway's CPU per request under load, scenario by
// scenario, on the full data set (`npm run bench` loads it). The server runs as `npm start` runs it, in a process of
// its own; a few autocannon connections drive each scenario for a few seconds, and the server's CPU (user + system)
// and PostgreSQL's backends' are divided by the answers, best round kept. CPU per request depends far less than
// req/s on what else the machine runs, but at a load average well above its cores it still varies by a third from
// one run to the next: compare changes on a quiet machine, or run before and after in turn several times.
// `--cpu-prof` writes the server's V8 CPU profile into bench/.results/profiles/ when it stops (Chrome's DevTools).
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchDatabaseName, databaseUrl, postgresServerUrl } from './databases.ts';
import { SIZES } from './dataset.ts';
import { drive, type LoadResult } from './load.ts';
import { gatewayCommand, ROOT, startServer } from './processes.ts';
import { buildScenarios, EXTERNAL_URL, findCursors } from './scenarios.ts';

const args = process.argv.slice(2);
const cpuProf = args.includes('--cpu-prof');
const wanted = new Set(args.filter((arg) => !arg.startsWith('--')));
const seconds = Number(process.env.PROFILE_SECONDS ?? 2);
const rounds = Number(process.env.PROFILE_ROUNDS ?? 4);
const connections = Number(process.env.PROFILE_CONNECTIONS ?? 20);
const databaseName = benchDatabaseName();
const url = databaseUrl(postgresServerUrl(), databaseName);
const profiles = join(ROOT, 'bench', '.results', 'profiles');
mkdirSync(profiles, { recursive: true });

const { flags, script } = await gatewayCommand();
const gateway = await startServer(
  'gateway',
  [...flags, ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [])],
  script,
  0 || 4716,
  {
    DATABASE_URL: url,
    EXTERNAL_URL,
    GRAPHIQL: 'false',
    RATE_LIMIT_ENABLED: 'false',
  },
);
try {
  const scenarios = buildScenarios(SIZES.full, await findCursors(gateway.url, SIZES.full)).filter(
    (scenario) => wanted.size === 0 || wanted.has(scenario.id),
  );
  console.log(
    `load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}; ${connections} connections, best of ${rounds} rounds of ${seconds} s`,
  );
  for (const scenario of scenarios) {
    // The best of a few rounds: neighbours on the machine add CPU per request (caches, contention), never take it away.
    const results: LoadResult[] = [];
    for (let round = 0; round < rounds; round++) {
      results.push(await drive(gateway, scenario.requests, { connections, warmupSeconds: round ? 0 : 1, seconds }, databaseName));
    }
    const total = (r: LoadResult) => r.cpuMsPerRequest + (r.postgresCpuMsPerRequest ?? 0);
    const result = results.reduce((best, r) => (total(r) < total(best) ? r : best));
    console.log(
      `${scenario.id.padEnd(15)} ${result.reqPerSec.toFixed(0).padStart(5)} req/s  CPU ms/request: server ${result.cpuMsPerRequest.toFixed(2)} + PostgreSQL ${result.postgresCpuMsPerRequest?.toFixed(2) ?? '?'}  peak RSS ${result.peakRssMb.toFixed(0)} MB${result.failures ? `  ${result.failures} failed` : ''}`,
    );
  }
  console.log(
    `load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await gateway.stop();
}
