import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/open.ts';
import { setStatusTimeouts } from './runners/status.ts';

const config = loadConfig();
setStatusTimeouts({ onlineMs: config.runnerOnlineTimeoutMs, staleMs: config.runnerStaleTimeoutMs });
const database = await openDatabase(config);
await database.migrate();
await bootstrap(database.prisma, config);

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
});

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

await app.listen({ port: config.port, host: config.host });
app.log.info(`GraphQL at ${config.externalUrl}/graphql (${database.kind})`);
