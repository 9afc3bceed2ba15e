import { afterAll, beforeAll } from 'vitest';
import { type Database, openPostgres } from '../../src/db/client.ts';
import { type ServerProcess, startServer } from '../faults/process.ts';
import { createPostgresDatabase } from '../faults/support.ts';

export interface Replicas {
  /** Two server processes (`src/main.ts`) on one new PostgreSQL database. */
  readonly a: ServerProcess;
  readonly b: ServerProcess;
  /** The test's own connection to that database, for set-up and for looking at what the servers wrote. */
  readonly db: Database;
}

/** Starts two replicas with `env` before the file's tests, and stops them and drops their database after. */
export function useReplicas(env: Record<string, string> = {}): Replicas {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let db: Database | undefined;
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase();
    db = await openPostgres(database.url, { max: 2 });
    const serverEnv = { ...env, DATABASE_URL: database.url };
    servers = await Promise.all([startServer(serverEnv), startServer(serverEnv)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await db?.close();
    await database?.drop();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the replicas are started in beforeAll');
    return value;
  };
  return {
    get a() {
      return started(servers[0]);
    },
    get b() {
      return started(servers[1]);
    },
    get db() {
      return started(db);
    },
  };
}
