import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { MIGRATIONS_DIR, SCHEMA_PATH } from './migrate.ts';
import { PGLITE_EXTENSIONS } from './pglite-extensions.ts';

// Node has WebAssembly at run time; its type lives in the DOM lib, which this project does not load.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
};

// Prisma's WASM schema engine creates and checks migrations offline; the native one cannot be
// downloaded here. Node 20 cannot import .wasm modules, so the bindings are wired by hand.
async function loadEngine() {
  const require = createRequire(import.meta.url);
  const wasmPath = join(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'), '..', 'schema_engine_bg.wasm');
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { './schema_engine_bg.js': bg });
  const exports = instance.exports as unknown as Parameters<typeof bg.__wbg_set_wasm>[0] & { __wbindgen_start(): void };
  bg.__wbg_set_wasm(exports);
  exports.__wbindgen_start();
  return bg;
}

function migrationList() {
  const dirs = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const lockPath = join(MIGRATIONS_DIR, 'migration_lock.toml');
  let lock: string | null = null;
  try {
    lock = readFileSync(lockPath, 'utf8');
  } catch {
    lock = null;
  }
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: 'migration_lock.toml', content: lock },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((path) => ({
      path,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: readFileSync(join(MIGRATIONS_DIR, path, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/**
 * The adapter's own shadow database (where the engine replays the migrations) is a fresh PGlite without the
 * extensions the migrations create; this one loads them.
 */
class PGliteWithShadowExtensions extends PrismaPGlite {
  override connectToShadowDb() {
    return new PrismaPGlite(new PGlite({ dataDir: 'memory://shadow', extensions: PGLITE_EXTENSIONS })).connect();
  }
}

/** The SQL that takes the committed migrations to prisma/schema.prisma ('' when they agree). */
export async function diffMigrationsToSchema(): Promise<string> {
  const engineModule = await loadEngine();
  const shadow = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
  try {
    const adapter = bindMigrationAwareSqlAdapterFactory(new PGliteWithShadowExtensions(shadow));
    const engine = await engineModule.SchemaEngine.new(
      { datamodels: [[SCHEMA_PATH, readFileSync(SCHEMA_PATH, 'utf8')]] },
      () => {},
      adapter,
    );
    const list = migrationList();
    const result = await engine.diff({
      from: list.migrationDirectories.length ? { tag: 'migrations', ...list } : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: readFileSync(SCHEMA_PATH, 'utf8') }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    const sql = result.stdout ?? '';
    return /^\s*(--[^\n]*\n?\s*)*$/.test(sql) ? '' : sql;
  } finally {
    await shadow.close();
  }
}
