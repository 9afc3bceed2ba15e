import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * PGlite is PostgreSQL in this process, with no server to arbitrate: two processes that open one data folder each
 * write their own view of it, and one's writes are lost. So a folder has one holder at a time, recorded in a lock
 * (proper-lockfile: an atomic mkdir, refreshed while held) and, beside it, who holds it.
 */
const LOCK = '.runners-gateway.lock';
const HOLDER = '.runners-gateway.holder.json';
/** A lock not refreshed for this long is abandoned (its holder hung or died on another machine). */
const STALE_MS = 30_000;

export interface FolderHolder {
  readonly pid: number;
  readonly host: string;
  /** `server` or `cli <command>`. */
  readonly role: string;
  readonly since: string;
}

export class DataDirInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: FolderHolder | null,
  ) {
    const who = holder ? `the ${holder.role} (pid ${holder.pid} on ${holder.host}, since ${holder.since})` : 'another process';
    super(
      `the data folder ${dataDir} is in use by ${who}: only one process may open an embedded database at a time. ` +
        'Stop it first, or make the change through its API (GraphQL at /graphql), or use another DATA_DIR.',
    );
  }
}

function readHolder(dataDir: string): FolderHolder | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, HOLDER), 'utf8')) as FolderHolder;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(dataDir: string, onCompromised: (error: Error) => void): Promise<() => Promise<void>> {
  return lockfile.lock(dataDir, {
    lockfilePath: join(dataDir, LOCK),
    realpath: false,
    stale: STALE_MS,
    update: STALE_MS / 3,
    retries: 0,
    onCompromised,
  });
}

/**
 * Takes the folder for this process, or throws DataDirInUse at once, naming the holder. A lock left by a process
 * of this machine that no longer exists is taken over without waiting for it to go stale. Resolves with the
 * function that gives the folder back.
 */
export async function lockDataDir(
  dataDir: string,
  role: string,
  onCompromised: (error: Error) => void = () => {},
): Promise<() => Promise<void>> {
  const folder = resolve(dataDir);
  mkdirSync(folder, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await tryLock(folder, onCompromised);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const holder = readHolder(folder);
    if (!holder || holder.host !== hostname() || alive(holder.pid) || holder.pid === process.pid) throw new DataDirInUse(dataDir, holder);
    rmSync(join(folder, LOCK), { recursive: true, force: true });
    try {
      release = await tryLock(folder, onCompromised);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirInUse(dataDir, readHolder(folder));
      throw again;
    }
  }
  const holder: FolderHolder = { pid: process.pid, host: hostname(), role, since: new Date().toISOString() };
  writeFileSync(join(folder, HOLDER), `${JSON.stringify(holder)}\n`);
  return async () => {
    rmSync(join(folder, HOLDER), { force: true });
    await release().catch((error: NodeJS.ErrnoException) => {
      // Already lost (see onCompromised): there is nothing left to give back.
      if (error.code !== 'ERELEASED') throw error;
    });
  };
}
