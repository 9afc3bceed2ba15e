/** Every setting the server reads from its environment, parsed once at start-up. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Unset: the embedded PGlite database under `dataDir`. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly externalUrl: string;
  /** Origins browsers may call the API from; `*` allows any. */
  readonly corsOrigins: readonly string[];
  readonly initialRootToken: string | null;
  readonly initialRegistrationToken: string | null;
  readonly dbPoolMax: number;
  readonly dbPoolTimeoutMs: number;
  readonly logLevel: string;
  readonly graphiql: boolean;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 4000);
  const host = env.HOST || '0.0.0.0';
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL || null,
    dataDir: env.DATA_DIR || './data',
    externalUrl: (env.EXTERNAL_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    corsOrigins: list(env.CORS_ORIGINS),
    initialRootToken: env.INITIAL_ROOT_TOKEN || null,
    initialRegistrationToken: env.INITIAL_REGISTRATION_TOKEN || null,
    dbPoolMax: integer(env, 'DB_POOL_MAX', 10, 1),
    dbPoolTimeoutMs: integer(env, 'DB_POOL_TIMEOUT_MS', 5_000, 1),
    logLevel: env.LOG_LEVEL || 'info',
    graphiql: env.GRAPHIQL !== 'false',
  };
}
