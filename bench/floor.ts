// `npm run bench:floor`: where a request's CPU goes, measured in one process with nothing else running in it.
// Each line is the CPU (user + system) per call of one step of GET /runners/:id, serially, after a warm-up: the
// same statements sent by `pg` (what the baseline pays) and by Prisma (what the gateway pays), then the gateway's
// layers on top. Uses the quick data set (`npm run bench -- --quick` loads it). The figures explain BENCHMARKS.md's
// "Where we fall short"; they are not targets. The best of five rounds is printed: this machine's neighbours add
// noise, never take it away.
import pg from 'pg';
import { authenticate } from '../src/auth/viewer.ts';
import { digestToken } from '../src/auth/tokens.ts';
import { buildApp } from '../src/app.ts';
import { openPostgres } from '../src/db/client.ts';
import { DEFAULT_RATE_LIMITS } from '../src/http/rate-limit.ts';
import { createContext } from '../src/graphql/context.ts';
import { defineOperation, runOperation } from '../src/graphql/execute.ts';
import { RunnerDetailsFragment } from '../src/rest/entities.ts';
import { graphql } from '../src/rest/graphql.ts';
import { AUTH, RUNNER } from './baseline-sql.ts';
import { databaseUrl, postgresServerUrl } from './databases.ts';
import { ADMIN_TOKEN } from './dataset.ts';
import { GRAPHQL } from './scenarios.ts';

// As the measured server runs: Prisma captures a call site per query outside production.
process.env.NODE_ENV = 'production';
const url = databaseUrl(postgresServerUrl(), 'rg_bench_quick');
const database = await openPostgres(url, { queryEvents: false });
const db = database.prisma;
const pool = new pg.Pool({ connectionString: url, max: 1 });
const settings = { externalUrl: 'http://localhost' };
const app = buildApp({ database, settings, graphiql: false, rateLimits: { ...DEFAULT_RATE_LIMITS, enabled: false } });
await app.ready();

const RUNNER_ID = 5;
const gid = `gid://gitlab/Ci::Runner/${RUNNER_ID}`;
const ShowRunner = defineOperation(
  graphql(`query BenchFloorRunner($id: CiRunnerID!) { runner(id: $id) { ...RestRunnerDetails } }`, [RunnerDetailsFragment]),
);
const digest = digestToken(ADMIN_TOKEN);
// The runner query Pothos plans for the REST shim's fragment, captured once and replayed as it is.
let plannedRunnerQuery: unknown;
const findUnique = db.runner.findUnique.bind(db.runner);
const context = await createContext(db, ADMIN_TOKEN, settings);
await runOperation(
  ShowRunner,
  { id: gid },
  {
    ...context,
    db: new Proxy(db, {
      get: (target, key) =>
        key === 'runner'
          ? {
              findUnique: (args: unknown) => {
                plannedRunnerQuery = args;
                return findUnique(args as never);
              },
            }
          : Reflect.get(target, key),
    }),
  },
);

async function cpuPerCall(run: () => Promise<unknown>, calls = 2_000): Promise<number> {
  for (let i = 0; i < 500; i++) await run();
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await run();
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / calls / 1000);
  }
  return Math.min(...rounds);
}

const steps: [string, () => Promise<unknown>][] = [
  ['pg: SELECT 1', () => pool.query('SELECT 1')],
  ['Prisma: $queryRaw SELECT 1', () => db.$queryRaw`SELECT 1`],
  ['Prisma: runner.findUnique, id only', () => db.runner.findUnique({ where: { id: RUNNER_ID }, select: { id: true } })],
  ['pg: the token statement', () => pool.query(AUTH, ['1', digest, '1'])],
  ['Prisma: the token statement (authenticate)', () => authenticate(db, ADMIN_TOKEN)],
  ['pg: the runner statement', () => pool.query(RUNNER, ['1', '1', '101', '0', '1', 'running', RUNNER_ID, '1'])],
  ['Prisma: the runner statement', () => findUnique(plannedRunnerQuery as never)],
  [
    'GraphQL: the REST operation, context included',
    async () => runOperation(ShowRunner, { id: gid }, await createContext(db, ADMIN_TOKEN, settings)),
  ],
  [
    'HTTP (in process): REST GET /runners/:id',
    () => app.inject({ url: `/api/v4/runners/${RUNNER_ID}`, headers: { 'private-token': ADMIN_TOKEN } }),
  ],
  [
    'HTTP (in process): GraphQL runner(id)',
    () =>
      app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'private-token': ADMIN_TOKEN, 'content-type': 'application/json' },
        payload: JSON.stringify({ query: GRAPHQL.runner, variables: { id: gid } }),
      }),
  ],
];

console.log(`CPU per call, best of 5 rounds of 2,000 (${url.replace(/\/\/[^@]*@/, '//')})`);
for (const [label, run] of steps) console.log(`${label.padEnd(52)} ${(await cpuPerCall(run)).toFixed(3)} ms`);
await app.close();
await pool.end();
await database.close();
