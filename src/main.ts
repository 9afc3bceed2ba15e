import './production.ts';
import { createServer } from 'node:net';
import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/open.ts';
import { createLogger } from './http/logging.ts';
import { setStatusTimeouts } from './runners/status.ts';
import { useTokenEncryptionSecret } from './services/ephemeral-tokens.ts';

/** Start-up failures an operator can fix are one line on stderr and exit status 1, not a stack trace. */
function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

const reason = (error: unknown) =>
  error instanceof Error ? (error.message.split('\n').filter(Boolean).at(-1) ?? error.name) : String(error);

/** Binds and frees the address first, so that a port in use is reported before the database is touched. */
function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

const config = loadConfig();
if (config.tokenEncryptionKey) useTokenEncryptionSecret(config.tokenEncryptionKey);
setStatusTimeouts({ onlineMs: config.runnerOnlineTimeoutMs, staleMs: config.runnerStaleTimeoutMs });
await assertPortFree(config.host, config.port).catch((error: NodeJS.ErrnoException) =>
  fail(
    error.code === 'EADDRINUSE'
      ? `port ${config.port} on ${config.host} is already in use: stop what listens there, or set PORT to another port`
      : `cannot listen on ${config.host}:${config.port}: ${reason(error)}`,
  ),
);
// The app logs requests through its own logger; this one reports what happens below them (a dropped connection).
const databaseLog = createLogger({ level: config.logLevel }).child({ component: 'database' });
const database = await openDatabase(config, 'server', (error, what) => databaseLog.warn({ err: error }, what)).catch((error: unknown) =>
  fail(`cannot open the database: ${reason(error)}`),
);
const booted = await database
  .migrate()
  .then(() => bootstrap(database.prisma, config))
  .catch(async (error: unknown) => {
    await database.close().catch(() => {});
    return fail(`cannot prepare the database: ${reason(error)}`);
  });

const app = buildApp({
  database,
  settings: { externalUrl: config.externalUrl },
  corsOrigins: config.corsOrigins,
  logger: { level: config.logLevel },
  graphiql: config.graphiql,
  graphqlLimits: config.graphqlLimits,
  rateLimits: config.rateLimits,
  trustProxy: config.trustProxy,
  live: { sweepIntervalMs: config.liveSweepIntervalMs },
  housekeeping: {
    intervalMs: config.runnerPruneIntervalMs,
    staleAfterMs: config.runnerPruneStaleAfterMs,
    auditRetentionMs: config.auditEventRetentionMs,
  },
  principalCacheTtlMs: config.principalCacheTtlMs,
  etags: config.etags,
  answerCacheBytes: config.answerCacheBytes,
});
if (booted.ignoredRootToken) {
  app.log.warn(
    'INITIAL_ROOT_TOKEN is ignored: it is read only on the first boot, when the database has no users, and this one has. ' +
      'To give root a new token, run `npm run cli -- token:create --username root` (with the server stopped, on the embedded database).',
  );
}

// Graceful shutdown: stop accepting, let in-flight requests finish, then close the database. A request that
// never finishes must not keep the process from exiting, so the whole shutdown is bounded.
let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down');
  setTimeout(() => {
    app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  try {
    await app.close();
    await database.close();
    process.exit(0);
  } catch (error) {
    app.log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, (received) => void shutdown(received));

// Someone may still take the port between the check above and here.
await app.listen({ port: config.port, host: config.host }).catch(async (error: unknown) => {
  await database.close().catch(() => {});
  fail(`cannot listen on ${config.host}:${config.port}: ${reason(error)}`);
});
app.log.info(`GraphQL at ${config.externalUrl ?? `http://localhost:${config.port}`}/graphql (${database.kind})`);
