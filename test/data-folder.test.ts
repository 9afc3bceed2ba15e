import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, serverCommand, startServer } from './faults/process.ts';
import type { Json } from './support/json.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const TOKEN = 'glpat-data-folder-test-token-000000';

/** Runs `npm run cli -- …` as a process of its own, on the given environment. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['src/cli/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: '', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Starts the server as `npm start` does and waits for its exit (it must not start). */
async function serverExit(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const command = await serverCommand();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      command,
      { cwd: ROOT, env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: '', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
      },
    );
  });
}

async function graphql(server: ServerProcess, query: string, token = TOKEN) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: Record<string, Json>; errors?: { message: string }[] };
}

describe('one process per embedded data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runners-gateway-folder-'));
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a CLI write while the server holds the folder, naming the holder, and loses nothing', { timeout: 180_000 }, async () => {
    const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', INITIAL_ROOT_TOKEN: TOKEN });
    servers.push(server);
    const created = await graphql(
      server,
      'mutation { userCreate(input: { username: "grace", name: "Grace", email: "grace@example.com" }) { user { username } errors } }',
    );
    expect(created).toEqual({ data: { userCreate: { user: { username: 'grace' }, errors: [] } } });

    const refused = await cli(['user:create', '--username', 'ada', '--name', 'Ada', '--email', 'ada@example.com'], { DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: cannot open the database: the data folder .+ is in use by the server \(pid \d+ on .+, since .+\): only one process may open an embedded database at a time\. Stop it first/,
    );

    // The server carries on.
    expect((await graphql(server, '{ currentUser { username } }')).data).toEqual({ currentUser: { username: 'root' } });

    // Once the server has stopped, the CLI may write, and finds the server's rows; the refused command wrote nothing.
    await server.stop();
    const graceToken = await cli(['token:create', '--username', 'grace'], { DATA_DIR: dataDir });
    expect(graceToken.code).toBe(0);
    expect((await cli(['token:create', '--username', 'ada'], { DATA_DIR: dataDir })).code).toBe(1);
    expect(
      (await cli(['user:create', '--username', 'ada', '--name', 'Ada', '--email', 'ada@example.com'], { DATA_DIR: dataDir })).code,
    ).toBe(0);

    // A second server on the folder is refused the same way; the first one has all the rows, tokens included.
    const again = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', INITIAL_ROOT_TOKEN: TOKEN });
    servers.push(again);
    const second = await serverExit({ DATA_DIR: dataDir, PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.output.trim()).toMatch(/^error: cannot open the database: the data folder .+ is in use by the server \(pid \d+/);
    expect((await graphql(again, '{ currentUser { username } }', graceToken.stdout.trim())).data).toEqual({
      currentUser: { username: 'grace' },
    });
    expect((await graphql(again, '{ currentUser { username } }')).data).toEqual({ currentUser: { username: 'root' } });
    await again.stop();
  });

  it('takes over the lock of a process that died without giving it back', { timeout: 120_000 }, async () => {
    const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', INITIAL_ROOT_TOKEN: TOKEN });
    servers.push(server);
    // The lock names the process that holds it: kill it as a crash would.
    const holder = JSON.parse(readFileSync(join(dataDir, '.runners-gateway.holder.json'), 'utf8')) as { pid: number; role: string };
    expect(holder.role).toBe('server');
    expect(holder.pid, 'the process started is the server itself, not a wrapper around it').toBe(server.child.pid);
    process.kill(holder.pid, 'SIGKILL');
    await server.exited;
    expect(readdirSync(dataDir)).toContain('.runners-gateway.lock');
    const created = await cli(['user:create', '--username', 'linus', '--name', 'Linus', '--email', 'linus@example.com'], {
      DATA_DIR: dataDir,
    });
    expect(created).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('start-up failures', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runners-gateway-start-'));
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says in one line that the port is in use, before opening the database', { timeout: 120_000 }, async () => {
    const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', INITIAL_ROOT_TOKEN: TOKEN });
    servers.push(server);
    const port = new URL(server.url).port;
    const otherDir = join(dataDir, 'other');
    const second = await serverExit({ DATA_DIR: otherDir, PORT: port });
    expect(second.code).toBe(1);
    expect(second.output).toBe(
      `error: port ${port} on 127.0.0.1 is already in use: stop what listens there, or set PORT to another port\n`,
    );
    // The database was never opened: its folder was not even created.
    expect(existsSync(otherDir)).toBe(false);
  });

  it('logs that a changed INITIAL_ROOT_TOKEN is ignored, and why; the first one keeps working', { timeout: 120_000 }, async () => {
    const [first] = servers;
    await first?.stop();
    const restarted = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', INITIAL_ROOT_TOKEN: 'glpat-another-token-0000000000000' });
    servers.push(restarted);
    expect(restarted.output()).toMatch(/INITIAL_ROOT_TOKEN is ignored: it is read only on the first boot, when the database has no users/);
    expect((await graphql(restarted, '{ currentUser { username } }')).data).toEqual({ currentUser: { username: 'root' } });
    await restarted.stop();
    // Unchanged, it is the token root already has: nothing to say.
    const same = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', INITIAL_ROOT_TOKEN: TOKEN });
    servers.push(same);
    expect(same.output()).not.toMatch(/INITIAL_ROOT_TOKEN/);
  });
});
