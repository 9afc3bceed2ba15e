import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openPGlite, openPostgres, type PostgresOptions } from '../../src/db/client.ts';

/**
 * The fault tests run in a vitest invocation of their own (see vitest.faults.config.ts), without the shared
 * template database: a PostgreSQL restart would break the connection that global set-up holds. Each test makes
 * and migrates its own database here instead.
 */

export const DATABASE_URL = process.env.DATABASE_URL;

export function urlFor(database: string): string {
  const url = new URL(DATABASE_URL ?? 'postgresql://localhost/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` on a short-lived admin connection, whose errors (a restart) are its caller's to see. */
export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A new, empty, migrated PostgreSQL database; `drop()` removes it. */
export async function createPostgresDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `rg_fault_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const database = await openPostgres(urlFor(name), { max: 1 });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  return {
    name,
    url: urlFor(name),
    drop: () => withAdmin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

/** A migrated database of the kind the run is about (PostgreSQL with DATABASE_URL, else PGlite), with `options`. */
export async function openFaultDatabase(options: PostgresOptions = {}): Promise<Database> {
  if (!DATABASE_URL) {
    const database = await openPGlite(undefined, options);
    await database.migrate();
    return database;
  }
  const created = await createPostgresDatabase();
  const database = await openPostgres(created.url, { max: 4, ...options });
  return {
    ...database,
    async close() {
      await database.close();
      await created.drop();
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
