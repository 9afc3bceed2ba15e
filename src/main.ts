import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/open.ts';

const config = loadConfig();
const database = await openDatabase(config);
await database.migrate();
await bootstrap(database.prisma, config);

const app = buildApp({
  database,
  settings: { externalUrl: config.externalUrl },
  corsOrigins: config.corsOrigins,
  logger: { level: config.logLevel },
  graphiql: config.graphiql,
});

// Graceful shutdown: stop accepting, let in-flight requests finish, then close the database.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await database.close();
    process.exit(0);
  });
}

await app.listen({ port: config.port, host: config.host });
app.log.info(`GraphQL at ${config.externalUrl}/graphql (${database.kind})`);
