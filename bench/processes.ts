// The servers under test run as processes of their own, as in production: the load generator does not share
// their event loop, and their memory is theirs alone. Each is spawned as `node … <script>` (never through npm or the
// tsx CLI, which add a parent process), so the child's pid is the server's and /proc/<pid> describes it.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtServerCommand } from '../scripts/start-command.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Forgets the peak so far: the next `peakRssMb` is the peak since this call. */
  resetPeak(): void;
  /** Peak resident memory since the last reset (VmHWM, or the highest sample where VmHWM cannot be reset). */
  peakRssMb(): number;
  /** Peak resident memory over the whole life of the process, start-up included. */
  lifetimePeakRssMb(): number;
  /** CPU time (user + system) the process has used so far, in milliseconds. */
  cpuMs(): number;
  stop(): Promise<void>;
}

function readStatus(pid: number): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const match = /^(Vm\w+):\s+(\d+) kB/.exec(line);
    if (match?.[1] && match[2]) fields[match[1]] = Number(match[2]);
  }
  return fields;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times; 100 on every mainstream kernel. */
const TICK_MS = 10;

function cpuMsOf(pid: number): number {
  // Fields after the command name (which may contain spaces): state is the 1st, utime the 12th, stime the 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * TICK_MS;
}

/**
 * CPU used so far by each PostgreSQL backend serving database `name`, by pid, when the server runs on this machine
 * (its processes are named `postgres: <user> <database> …`); empty when none can be seen.
 */
export function postgresCpuMs(name: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres: ') && title.split(' ').includes(name)) byPid.set(Number(entry), cpuMsOf(Number(entry)));
    } catch {
      // the process ended while we looked
    }
  }
  return byPid;
}

/**
 * CPU the backends used between two snapshots, backend by backend: a backend that closed in between (an idle pool
 * connection timing out) drops out instead of taking its whole history with it. Null when none was seen.
 */
export function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number | null {
  if (after.size === 0) return null;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/-/readiness`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`server at ${url} not ready after ${timeoutMs} ms:\n${output()}`);
}

/** Starts `node <flags> <script>` (a path below the repository) with `env`, and waits until GET /-/readiness answers. */
export async function startServer(
  name: string,
  flags: readonly string[],
  script: string,
  port: number,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...flags, join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${script}`);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  // Where the kernel lets us reset VmHWM (clear_refs 5) the peak is exact; otherwise sample VmRSS often.
  let canReset = true;
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    try {
      sampledPeak = Math.max(sampledPeak, readStatus(pid).VmRSS ?? 0);
    } catch {
      // the process is gone; stop() reports it
    }
  }, 50);
  sampler.unref();
  const lifetimePeak = { kb: 0 };
  const resetPeak = () => {
    lifetimePeak.kb = Math.max(lifetimePeak.kb, readStatus(pid).VmHWM ?? 0);
    sampledPeak = readStatus(pid).VmRSS ?? 0;
    if (!canReset) return;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      canReset = false;
    }
  };
  resetPeak();
  const current = () => readStatus(pid);

  return {
    name,
    url,
    pid,
    resetPeak,
    peakRssMb: () => Math.max(sampledPeak, canReset ? (current().VmHWM ?? 0) : 0) / 1024,
    lifetimePeakRssMb: () => Math.max(lifetimePeak.kb, current().VmHWM ?? 0, sampledPeak) / 1024,
    cpuMs: () => cpuMsOf(pid),
    async stop() {
      clearInterval(sampler);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The benchmark runs the server exactly as it is deployed: `npm start`'s command, after its build. */
export const gatewayCommand = builtServerCommand;

export async function startGateway(
  port: number,
  database: { url: string } | { dataDir: string },
  externalUrl: string,
): Promise<ServerProcess> {
  const env: Record<string, string> = 'url' in database ? { DATABASE_URL: database.url } : { DATABASE_URL: '', DATA_DIR: database.dataDir };
  const { flags, script } = await gatewayCommand();
  // One token at thousands of requests a second is exactly what rate limits refuse; the benchmark measures the rest.
  return startServer('gateway', flags, script, port, { ...env, EXTERNAL_URL: externalUrl, GRAPHIQL: 'false', RATE_LIMIT_ENABLED: 'false' });
}

export function startBaseline(port: number, databaseUrl: string, externalUrl: string, poolMax: number): Promise<ServerProcess> {
  return startServer('baseline', ['--import', 'tsx'], 'bench/baseline-server.ts', port, {
    DATABASE_URL: databaseUrl,
    EXTERNAL_URL: externalUrl,
    DB_POOL_MAX: String(poolMax),
  });
}
