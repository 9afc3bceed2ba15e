import { defineConfig } from 'prisma/config';

// `prisma generate` needs no schema engine, but it tries to download one unless this points at a file;
// there is no network for that here, and migrations run through the WASM engine instead (src/db/migrate.ts).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
