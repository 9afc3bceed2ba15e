import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.ts';
import { applyMigrations, type SqlSession } from './migrate.ts';

export type Db = PrismaClient;

/** An open database: the Prisma client everything uses, plus what start-up and health checks need. */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly prisma: Db;
  /** Called with every SQL statement Prisma sends; tests and benchmarks count them. */
  readonly onQuery: Set<(sql: string) => void>;
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

function createClient(adapter: SqlDriverAdapterFactory) {
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = new Set<(sql: string) => void>();
  prisma.$on('query', (event) => {
    for (const listener of onQuery) listener(event.query);
  });
  return { prisma, onQuery };
}

/**
 * PGlite: PostgreSQL compiled to WASM, in this process. `dataDir` persists it to a folder; without one it
 * lives in memory (tests). An existing PGlite instance (a test's clone) can be passed instead.
 */
export async function openPGlite(source?: string | PGlite): Promise<Database> {
  let pglite: PGlite;
  if (source instanceof PGlite) pglite = source;
  else {
    if (source) mkdirSync(source, { recursive: true });
    pglite = await PGlite.create(source ? { dataDir: source } : {});
  }
  const { prisma, onQuery } = createClient(new PrismaPGlite(pglite));
  const session: SqlSession = {
    exec: (sql) => pglite.exec(sql),
    query: <Row,>(sql: string, params?: unknown[]) => pglite.query<Row>(sql, params),
  };
  return {
    kind: 'pglite',
    prisma,
    onQuery,
    migrate: () => applyMigrations(session),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

export interface PostgresOptions {
  /** Pool size; PostgreSQL serves this machine's two cores best with a few connections. */
  max?: number;
  /** How long a request may wait for a free pool connection before it fails. */
  connectionTimeoutMillis?: number;
  /** Server-side cap on any one statement. */
  statementTimeoutMillis?: number;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    statement_timeout: options.statementTimeoutMillis ?? 30_000,
    idleTimeoutMillis: 30_000,
  });
  // A connection that dies while idle (database restart) must not crash the process.
  pool.on('error', () => {});
  const { prisma, onQuery } = createClient(new PrismaPg(pool, { onPoolError: () => {}, onConnectionError: () => {} }));
  return {
    kind: 'postgres',
    prisma,
    onQuery,
    async migrate() {
      const client = await pool.connect();
      try {
        return await applyMigrations({
          exec: (sql) => client.query(sql),
          query: async <Row,>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as Row[] }),
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
