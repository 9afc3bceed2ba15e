import type { Config } from '../config.ts';
import { type Database, openPGlite, openPostgres } from './client.ts';

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite persisted under DATA_DIR. */
type DatabaseConfig = Pick<
  Config,
  'databaseUrl' | 'dataDir' | 'dbPoolMax' | 'dbPoolTimeoutMs' | 'dbStatementTimeoutMs' | 'dbTransactionMaxWaitMs' | 'dbTransactionTimeoutMs'
>;

export function openDatabase(config: DatabaseConfig): Promise<Database> {
  // No query events: nothing in the server listens, and they cost CPU on every statement (see ClientOptions).
  const bounds = {
    transactionMaxWaitMillis: config.dbTransactionMaxWaitMs,
    transactionTimeoutMillis: config.dbTransactionTimeoutMs,
    queryEvents: false,
  };
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, {
        ...bounds,
        max: config.dbPoolMax,
        connectionTimeoutMillis: config.dbPoolTimeoutMs,
        statementTimeoutMillis: config.dbStatementTimeoutMs,
      })
    : openPGlite(config.dataDir, bounds);
}
