// Where the benchmark's data lives: a PostgreSQL database of its own (created on first use), or a PGlite folder.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openPGlite, openPostgres } from '../src/db/client.ts';
import { PGLITE_EXTENSIONS } from '../src/db/pglite-extensions.ts';
import type { SqlSession } from '../src/db/migrate.ts';
import { type DatasetSize, type LoadResult, loadDataset } from './dataset.ts';

/** The server to use: BENCH_DATABASE_URL, else DATABASE_URL's server, else the local one the project's CI uses. */
export function postgresServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/**
 * The benchmark's database names: `rg_bench`, `rg_bench_quick`, … or, with BENCH_DATABASE_PREFIX, that prefix instead
 * of `rg_bench`, so that two checkouts of different migrations measuring on one server do not share (and migrate)
 * each other's data sets.
 */
export function benchDatabaseName(suffix = '', env: NodeJS.ProcessEnv = process.env): string {
  return `${env.BENCH_DATABASE_PREFIX || 'rg_bench'}${suffix}`;
}

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

export interface PreparedPostgres extends LoadResult {
  readonly url: string;
  readonly serverVersion: string;
  readonly settings: Record<string, string>;
}

/** Creates (if need be) and loads database `name` on the server; returns its URL. */
export async function preparePostgres(
  serverUrl: string,
  name: string,
  size: DatasetSize,
  options: { fresh: boolean; log: (line: string) => void },
): Promise<PreparedPostgres> {
  await ensureDatabase(serverUrl, name);
  const url = databaseUrl(serverUrl, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const database = await openPostgres(url, { max: 2 });
  try {
    const sql: SqlSession = {
      exec: (text) => client.query(text),
      query: async <Row>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as Row[] }),
    };
    const result = await loadDataset(database, sql, size, options);
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'work_mem', 'max_connections', 'effective_cache_size', 'jit')`,
    );
    const settings = Object.fromEntries(rows.map((row) => [row.name, row.unit ? `${row.setting} × ${row.unit}` : row.setting]));
    return { ...result, url, serverVersion: settings.server_version ?? '?', settings };
  } finally {
    await database.close();
    await client.end();
  }
}

/** Loads a PGlite folder in this process, then closes it so the server can open it. */
export async function preparePGlite(
  dataDir: string,
  size: DatasetSize,
  options: { fresh: boolean; log: (line: string) => void },
): Promise<LoadResult> {
  const pglite = await PGlite.create({ dataDir, extensions: PGLITE_EXTENSIONS });
  const database = await openPGlite(pglite);
  try {
    return await loadDataset(database, pglite, size, options);
  } finally {
    await database.close();
  }
}
