import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openPGlite, openPostgres } from '../../src/db/client.ts';
import { PGLITE_EXTENSIONS } from '../../src/db/pglite-extensions.ts';

/**
 * A private, migrated database for one test file: a PGlite copy of the snapshot, or (with DATABASE_URL) a
 * PostgreSQL database created from the template. `close()` removes it.
 */
export async function createTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(inject('dbSnapshot'))]), extensions: PGLITE_EXTENSIONS });
    return openPGlite(pglite);
  }
  const name = `rg_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  const database = await openPostgres(testUrl.toString(), { max: 4 });
  return {
    ...database,
    async close() {
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
