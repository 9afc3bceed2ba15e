// The plans behind the scale benchmark (bench/scale.ts): every statement each of its requests sends, captured from
// an app built in this process (Prisma's query events, with their parameters), and EXPLAIN (ANALYZE, BUFFERS) of
// each, run on the same database. Plans do not depend on the machine's load; timings do.
//   npx tsx bench/explain-scale.ts [request id …]     e.g. gql-status rest-all-type (default: every request)
//   URL=postgresql://…/rg_bench   the database (default rg_bench_scale); BRIEF=1 timings only; VERBOSE=1;
//   GENERIC=1 the generic plan a prepared statement falls back to after five runs (the server prepares them).
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { openPostgres } from '../src/db/client.ts';
import { ADMIN_TOKEN } from './dataset.ts';
import { findSubjects, scaleRequests } from './scale-requests.ts';

const OWNER_TOKEN = 'glpat-benchmark-group-owner-0000';
const url = process.env.URL ?? 'postgresql://postgres@127.0.0.1:5432/rg_bench_scale';
const only = process.argv.slice(2);
const generic = process.env.GENERIC === '1';
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query('SET jit = off');
if (generic) await client.query('SET plan_cache_mode = force_generic_plan');
const subjects = await findSubjects({
  exec: (text) => client.query(text),
  query: async <Row>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as Row[] }),
});
const database = await openPostgres(url, { max: 2 });
const seen: { query: string; params: string }[] = [];
(database.prisma as unknown as { $on: (e: string, f: (ev: { query: string; params: string }) => void) => void }).$on(
  'query',
  (event) => void seen.push({ query: event.query, params: event.params }),
);
const app = buildApp({ database, settings: { externalUrl: 'http://bench.example' }, logger: false });
await app.ready();
for (const request of scaleRequests(subjects)) {
  if (only.length && !only.includes(request.id)) continue;
  const send = () =>
    app.inject({
      method: request.body ? 'POST' : 'GET',
      url: request.path,
      headers: { 'private-token': request.as === 'owner' ? OWNER_TOKEN : ADMIN_TOKEN, 'content-type': 'application/json' },
      payload: request.body,
    });
  await send();
  seen.length = 0;
  const r = await send();
  console.log(`\n######## ${request.id} (${r.statusCode}) ${request.path} ${request.body?.slice(0, 120) ?? ''}`);
  for (const { query, params } of seen) {
    if (query.includes('"DataVersion"') || query.includes('"PersonalAccessToken"')) continue;
    const values = JSON.parse(params) as unknown[];
    const name = `s${Math.random().toString(36).slice(2)}`;
    try {
      if (generic) {
        await client.query({ name, text: query, values });
      }
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS${process.env.VERBOSE ? ', VERBOSE' : ''}) ${query}`, values);
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      const time = /Execution Time: ([\d.]+)/.exec(plan)?.[1];
      // The root node's buffers: every page the statement touched (planning's own are listed apart).
      const buffers = /Buffers: shared hit=(\d+)(?: read=(\d+))?/.exec(plan);
      const pages = Number(buffers?.[1] ?? 0) + Number(buffers?.[2] ?? 0);
      console.log(
        `---- ${time} ms, ${pages} buffers: ${query.slice(0, process.env.FULL ? 100000 : 400)}\n  params ${params.slice(0, 200)}`,
      );
      if (!process.env.BRIEF) console.log(plan);
    } catch (error) {
      console.log(`---- failed: ${(error as Error).message}: ${query.slice(0, 300)}`);
    }
  }
}
await app.close();
await database.close();
await client.end();
