import type { Config } from '../config.ts';
import { type Database, openPGlite, openPostgres } from './client.ts';
import { lockDataDir } from './folder-lock.ts';

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite persisted under DATA_DIR. */
type DatabaseConfig = Pick<
  Config,
  | 'databaseUrl'
  | 'dataDir'
  | 'dbPoolMax'
  | 'dbPoolTimeoutMs'
  | 'dbStatementTimeoutMs'
  | 'dbTransactionMaxWaitMs'
  | 'dbTransactionTimeoutMs'
  | 'dbPreparedStatements'
  | 'dbJit'
>;

/**
 * `role` names this process in the data folder's lock (`server`, `cli user:create`), for the message another process
 * gets when it tries to open the same folder (see folder-lock.ts). PostgreSQL arbitrates its own clients.
 */
export async function openDatabase(
  config: DatabaseConfig,
  role = 'server',
  onBackgroundError?: (error: Error, what: string) => void,
): Promise<Database> {
  // No query events: nothing in the server listens, and they cost CPU on every statement (see ClientOptions).
  const bounds = {
    transactionMaxWaitMillis: config.dbTransactionMaxWaitMs,
    transactionTimeoutMillis: config.dbTransactionTimeoutMs,
    queryEvents: false,
  };
  if (config.databaseUrl) {
    return openPostgres(config.databaseUrl, {
      ...bounds,
      max: config.dbPoolMax,
      connectionTimeoutMillis: config.dbPoolTimeoutMs,
      statementTimeoutMillis: config.dbStatementTimeoutMs,
      preparedStatements: config.dbPreparedStatements,
      jit: config.dbJit,
      ...(onBackgroundError ? { onBackgroundError } : {}),
    });
  }
  // Taken before PGlite reads a byte, so a refused process has written nothing.
  const release = await lockDataDir(config.dataDir, role, (error) => {
    // Not fatal: the lock could not be refreshed (the event loop stalled, or someone removed it by hand).
    process.stderr.write(`warning: the lock on ${config.dataDir} was lost: ${error.message}\n`);
  });
  let database: Database;
  try {
    database = await openPGlite(config.dataDir, bounds);
  } catch (error) {
    await release();
    throw error;
  }
  return {
    ...database,
    async close() {
      try {
        await database.close();
      } finally {
        await release();
      }
    },
  };
}
