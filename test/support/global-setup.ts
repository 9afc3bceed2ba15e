import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../../src/db/migrate.ts';
import { PGLITE_EXTENSIONS } from '../../src/db/pglite-extensions.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: a migrated data directory every test file starts from. */
    dbSnapshot: string;
    /** PostgreSQL (when DATABASE_URL is set): a migrated template database each test file copies. */
    pgTemplate: string;
  }
}

const templateName = `rg_template_${process.pid}`;

/** Migrates once per run; each test file then starts from a copy (a PGlite snapshot, or a template database). */
export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (url) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${templateName}`);
    await admin.query(`CREATE DATABASE ${templateName}`);
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${templateName}`;
    const client = new pg.Client({ connectionString: templateUrl.toString() });
    await client.connect();
    await applyMigrations({ exec: (sql) => client.query(sql), query: async (sql, params) => client.query(sql, params) as never });
    await client.end();
    project.provide('pgTemplate', templateName);
    project.provide('dbSnapshot', '');
    return async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${templateName}`);
      await admin.end();
    };
  }
  const db = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
  await applyMigrations(db);
  const snapshot = join(tmpdir(), `runners-gateway-test-${process.pid}.tar`);
  writeFileSync(snapshot, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
  await db.close();
  project.provide('dbSnapshot', snapshot);
  project.provide('pgTemplate', '');
}
