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
import { RunnerDetailsFragment } from '../src/rest/runner-entities.ts';
import { graphql } from '../src/rest/graphql.ts';
import { AUTH, RUNNER } from './baseline-sql.ts';
import { benchDatabaseName, databaseUrl, postgresServerUrl } from './databases.ts';
import { postgresCpuBetween, postgresCpuMs } from './processes.ts';
import { ADMIN_TOKEN } from './dataset.ts';
import { GRAPHQL } from './scenarios.ts';

// As the measured server runs: Prisma captures a call site per query outside production.
process.env.NODE_ENV = 'production';
const url = databaseUrl(postgresServerUrl(), benchDatabaseName('_quick'));
const database = await openPostgres(url, { queryEvents: false });
const db = database.prisma;
// As before issue #16: unnamed statements, the server's jit setting, no principal cache, no ETags.
const before = await openPostgres(url, { queryEvents: false, preparedStatements: false, jit: true });
const pool = new pg.Pool({ connectionString: url, max: 1 });
const settings = { externalUrl: 'http://localhost' };
const rateLimits = { ...DEFAULT_RATE_LIMITS, enabled: false };
const app = buildApp({ database, settings, graphiql: false, rateLimits });
const appBefore = buildApp({ database: before, settings, graphiql: false, rateLimits, principalCacheTtlMs: 0, etags: false });
await app.ready();
await appBefore.ready();
const databaseName = new URL(url).pathname.slice(1);

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

/** This process's CPU per call, and the database's backends' (null where they cannot be seen), best of 5 rounds. */
async function cpuPerCall(run: () => Promise<unknown>, calls = 1_000): Promise<{ node: number; postgres: number | null }> {
  for (let i = 0; i < 500; i++) await run();
  const rounds: { node: number; postgres: number | null }[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    const backends = postgresCpuMs(databaseName);
    for (let i = 0; i < calls; i++) await run();
    const used = process.cpuUsage(start);
    const postgres = postgresCpuBetween(backends, postgresCpuMs(databaseName));
    rounds.push({ node: (used.user + used.system) / calls / 1000, postgres: postgres === null ? null : postgres / calls });
  }
  return rounds.reduce((best, round) => (round.node + (round.postgres ?? 0) < best.node + (best.postgres ?? 0) ? round : best));
}

const restRunner = { url: `/api/v4/runners/${RUNNER_ID}`, headers: { 'private-token': ADMIN_TOKEN } };
const graphqlRunner = {
  method: 'POST' as const,
  url: '/graphql',
  headers: { 'private-token': ADMIN_TOKEN, 'content-type': 'application/json' },
  payload: JSON.stringify({ query: GRAPHQL.runner, variables: { id: gid } }),
};
const etag = (await app.inject(restRunner)).headers.etag;
const findUniqueBefore = before.prisma.runner.findUnique.bind(before.prisma.runner);

const steps: [string, () => Promise<unknown>][] = [
  ['pg: SELECT 1', () => pool.query('SELECT 1')],
  ['Prisma: $queryRaw SELECT 1 (unnamed, jit as the server)', () => before.prisma.$queryRaw`SELECT 1`],
  ['Prisma: $queryRaw SELECT 1 (named, jit off)', () => db.$queryRaw`SELECT 1`],
  ['pg: the token statement', () => pool.query(AUTH, ['1', digest, '1'])],
  ['Prisma: the token statement (unnamed, jit as the server)', () => authenticate(before.prisma, ADMIN_TOKEN)],
  ['Prisma: the token statement (named, jit off)', () => authenticate(db, ADMIN_TOKEN)],
  ['pg: the runner statement', () => pool.query(RUNNER, ['running', '1', '1', '1', '1', '101', '0', '1', RUNNER_ID, '1'])],
  ['Prisma: the runner statement (unnamed, jit as the server)', () => findUniqueBefore(plannedRunnerQuery as never)],
  ['Prisma: the runner statement (named, jit off)', () => findUnique(plannedRunnerQuery as never)],
  [
    'GraphQL: the REST operation, context included',
    async () => runOperation(ShowRunner, { id: gid }, await createContext(db, ADMIN_TOKEN, settings)),
  ],
  ['HTTP (in process): REST GET /runners/:id, before #16', () => appBefore.inject(restRunner)],
  ['HTTP (in process): REST GET /runners/:id, now', () => app.inject(restRunner)],
  [
    'HTTP (in process): REST GET /runners/:id, now, If-None-Match (304)',
    () => app.inject({ ...restRunner, headers: { ...restRunner.headers, 'if-none-match': String(etag) } }),
  ],
  ['HTTP (in process): GraphQL runner(id), before #16', () => appBefore.inject(graphqlRunner)],
  ['HTTP (in process): GraphQL runner(id), now', () => app.inject(graphqlRunner)],
];

console.log(`CPU per call, best of 5 rounds of 2,000 (${url.replace(/\/\/[^@]*@/, '//')})`);
console.log(`${'step'.padEnd(66)} node ms  PostgreSQL ms`);
for (const [label, run] of steps) {
  const { node, postgres } = await cpuPerCall(run);
  console.log(`${label.padEnd(66)} ${node.toFixed(3)}  ${postgres === null ? '?' : postgres.toFixed(3)}`);
}
await app.close();
await appBefore.close();
await before.close();
await pool.end();
await database.close();
