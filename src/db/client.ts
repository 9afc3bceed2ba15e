import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaClient } from './generated/client.ts';
import { handAnswersOnByTurns } from './turns.ts';
import { listenPostgres, type NotificationHandlers } from './listen.ts';
import { applyMigrations, type SqlSession } from './migrate.ts';

export type Db = PrismaClient;

/** An open database: the Prisma client everything uses, plus what start-up and health checks need. */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly prisma: Db;
  /** Called with every SQL statement Prisma sends (unless opened with `queryEvents: false`); tests count them. */
  readonly onQuery: Set<(sql: string) => void>;
  migrate(): Promise<string[]>;
  /** LISTENs to a notification channel (`pg_notify`); resolves once listening, to a function that stops. */
  listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Bounds on every interactive `$transaction(async (tx) => …)`, set once on the client so that no call site can
 * forget them. Without them a transaction that never finishes holds its connection forever, and on PGlite, which
 * runs one transaction at a time, it would stop every other request.
 */
export interface TransactionBounds {
  /** How long a transaction may wait to start (for a pool connection, or PGlite's lock). */
  transactionMaxWaitMillis?: number;
  /** How long it may run before Prisma rolls it back; its caller gets a P2028 error (503). */
  transactionTimeoutMillis?: number;
}

/** What every client takes: the transaction bounds, and whether statements are reported to `onQuery`. */
export interface ClientOptions extends TransactionBounds {
  /**
   * Default true. Prisma's query events cost about 0.1 ms of CPU per statement (timing, parameters serialised to
   * JSON) whether or not anyone listens, a tenth of a simple request's work, so the server turns them off.
   */
  queryEvents?: boolean;
}

export const DEFAULT_TRANSACTION_MAX_WAIT_MS = 2_000;
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 5_000;

function createClient(adapter: SqlDriverAdapterFactory, bounds: ClientOptions = {}) {
  const queryEvents = bounds.queryEvents ?? true;
  const prisma = new PrismaClient({
    adapter,
    log: queryEvents ? [{ emit: 'event', level: 'query' }] : [],
    transactionOptions: {
      maxWait: bounds.transactionMaxWaitMillis ?? DEFAULT_TRANSACTION_MAX_WAIT_MS,
      timeout: bounds.transactionTimeoutMillis ?? DEFAULT_TRANSACTION_TIMEOUT_MS,
    },
  });
  const onQuery = new Set<(sql: string) => void>();
  if (queryEvents) {
    prisma.$on('query', (event) => {
      for (const listener of onQuery) listener(event.query);
    });
  }
  return { prisma, onQuery };
}

/**
 * PGlite: PostgreSQL compiled to WASM, in this process. `dataDir` persists it to a folder; without one it
 * lives in memory (tests). An existing PGlite instance (a test's clone) can be passed instead.
 */
export async function openPGlite(source?: string | PGlite, bounds: ClientOptions = {}): Promise<Database> {
  // Imported here, not at the top: loading PGlite's WASM build costs a server on PostgreSQL some 40 MB of memory.
  const [{ PGlite }, { PrismaPGlite }, { PGLITE_EXTENSIONS }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('pglite-prisma-adapter'),
    import('./pglite-extensions.ts'),
  ]);
  let pglite: PGlite;
  if (source instanceof PGlite) pglite = source;
  else {
    if (source) mkdirSync(source, { recursive: true });
    pglite = await PGlite.create({ ...(source ? { dataDir: source } : {}), extensions: PGLITE_EXTENSIONS });
  }
  const { prisma, onQuery } = createClient(new PrismaPGlite(pglite), bounds);
  const session: SqlSession = {
    exec: (sql) => pglite.exec(sql),
    query: <Row>(sql: string, params?: unknown[]) => pglite.query<Row>(sql, params),
  };
  return {
    kind: 'pglite',
    prisma,
    onQuery,
    migrate: () => applyMigrations(session),
    // PGlite is one session in this process: it hears its own transactions' notifications, after they commit.
    listen: async (channel, { onNotification, onListening }) => {
      const unlisten = await pglite.listen(channel, onNotification);
      onListening?.();
      return () => unlisten();
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

export interface PostgresOptions extends ClientOptions {
  /** Pool size; PostgreSQL serves this machine's two cores best with a few connections. */
  max?: number;
  /**
   * How long a request may wait for a pool connection (a free one, or a new one being opened) before it fails
   * with 503. It bounds how long requests hang while the database is unreachable.
   */
  connectionTimeoutMillis?: number;
  /** Server-side cap on any one statement. */
  statementTimeoutMillis?: number;
  /**
   * Told of failures no request sees: an idle connection dropped (a database restart), a connection lost mid-use.
   * They must not crash the process, and must not go unseen. Default: one line on stderr.
   */
  onBackgroundError?: (error: Error, what: string) => void;
  /**
   * Default true: Prisma's statements are sent as named prepared statements (see `statementNames`), so each
   * connection parses and plans a statement once instead of on every request. Off for a pooler that hands one
   * session's statements to several server connections (PgBouncer in transaction mode).
   */
  preparedStatements?: boolean;
  /**
   * Default false: PostgreSQL's JIT compilation, per connection. These short OLTP statements never repay it, and its
   * cost estimates mistake a large table for a long query.
   */
  jit?: boolean;
}

/** At most this many distinct statements are named; any further text is sent unnamed (see `statementNames`). */
const MAX_NAMED_STATEMENTS = 1_000;

/**
 * Statements whose best plan depends on the values bound: a list of them (`IN ($4,$5,…)`: a membership scope's ids, a
 * batch of runners), tags a runner must carry (`"tagList" @> $1`, `&& $1`: one tag is on 60% of runners, another on
 * three), or a search (`ILIKE ('%' || $1 || '%')`: "runner 123" matches a hundred of 100,000 descriptions, "linux"
 * most of them).
 */
const PLANNED_FOR_VALUES = /\bIN \(\$\d+,|(?:@>|&&) \$\d+|\bI?LIKE \('%' \|\| \$\d+/;

/**
 * Names Prisma's statements for `@prisma/adapter-pg` (its `statementNameGenerator`): the same text always gets the
 * same name (a digest of it), so each pooled connection prepares it once and then only binds and executes it.
 * Bounded: each connection keeps every statement it prepared for its whole life, and a statement whose text varies
 * (an `IN` list of another length) is a new one, so past `max` distinct texts new ones go unnamed.
 *
 * A statement whose plan depends on its values (`PLANNED_FOR_VALUES`) is never named: after five runs PostgreSQL may
 * plan a named statement once for any values, and that generic plan fits none of them well: for a scope (a runner
 * type, a few hundred ids) it walks a whole index where the values' own plan reads a few pages (a group's runner
 * count at 100,000 runners: 160 ms against 12 ms); for a tag on most runners it gathers all of them from the tag
 * index and sorts them, where a walk in order stops at the count's limit (17 ms against 4 ms); for a search it walks
 * every runner in the list's order testing each description, where the trigram index finds the few (55 ms against
 * 1.6 ms).
 */
export function statementNames(max = MAX_NAMED_STATEMENTS): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  return ({ sql }) => {
    const known = names.get(sql);
    // A text named before was tested then; only new texts are.
    if (known !== undefined || names.size >= max || PLANNED_FOR_VALUES.test(sql)) return known;
    const name = `rg_${createHash('sha1').update(sql).digest('base64url')}`;
    names.set(sql, name);
    return name;
  };
}

const stderrLine = (error: Error, what: string) => process.stderr.write(`warning: ${what}: ${error.message}\n`);

export const DEFAULT_POOL_TIMEOUT_MS = 3_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? DEFAULT_POOL_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMillis ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    // A connection whose server vanished without closing it (a dropped network) is noticed, not reused forever.
    keepAlive: true,
    ...(options.jit ? {} : { options: '-c jit=off' }),
    idleTimeoutMillis: 30_000,
  });
  handAnswersOnByTurns(pool);
  // A connection that dies while idle (database restart) must not crash the process; it is reported instead.
  const report = options.onBackgroundError ?? stderrLine;
  pool.on('error', (error) => report(error, 'an idle PostgreSQL connection failed'));
  const adapter = new PrismaPg(pool, {
    // The option's type says a name is always returned; pg sends a statement without one unnamed, as wanted.
    ...(options.preparedStatements === false ? {} : { statementNameGenerator: statementNames() as (query: { sql: string }) => string }),
    onPoolError: (error) => report(error, 'the PostgreSQL pool failed'),
    onConnectionError: (error) => report(error, 'a PostgreSQL connection failed'),
  });
  const { prisma, onQuery } = createClient(adapter, options);
  return {
    kind: 'postgres',
    prisma,
    onQuery,
    async migrate() {
      const client = await pool.connect();
      try {
        return await applyMigrations({
          exec: (sql) => client.query(sql),
          query: async <Row>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as Row[] }),
        });
      } finally {
        client.release();
      }
    },
    listen: (channel, handlers) => listenPostgres(url, channel, handlers),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
