// PostGraphile 4 on the benchmark's database, as a peer of the gateway: what a user who only wants GraphQL over
// these tables would run. Started by bench/postgraphile.ts (which installs PostGraphile into bench/.postgraphile
// first); plain JavaScript, so that it runs on that folder's own dependencies. No authorization, no limits: it
// connects as the benchmark's superuser and answers whatever is asked.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('./.postgraphile/package.json', import.meta.url));
const { postgraphile } = require('postgraphile');
const pg = require('pg');

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });
const middleware = postgraphile(pool, 'public', {
  disableQueryLog: true,
  graphiql: false,
  enableQueryBatching: false,
  retryOnInitFail: false,
  // Its defaults otherwise: named prepared statements, JSON built in PostgreSQL for the selected columns only.
});
const server = createServer((request, response) => {
  if (request.url === '/-/readiness') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"ok"}');
    return;
  }
  middleware(request, response);
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  pool.end().finally(() => process.exit(0));
});
