import type { Config } from '../config.ts';
import { type Database, openPGlite, openPostgres } from './client.ts';

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite persisted under DATA_DIR. */
export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax' | 'dbPoolTimeoutMs'>): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, { max: config.dbPoolMax, connectionTimeoutMillis: config.dbPoolTimeoutMs })
    : openPGlite(config.dataDir);
}
