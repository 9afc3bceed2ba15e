import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import type { Output } from '../src/cli/output.ts';
import { runCli } from '../src/cli/program.ts';
import { PGLITE_EXTENSIONS } from '../src/db/pglite-extensions.ts';
import { type Database, openPGlite } from '../src/db/client.ts';
import { createTestDatabase } from './support/db.ts';
import { EXTERNAL_URL, type GraphQLResponse, useTestServer } from './support/server.ts';
import type { Json } from './support/json.ts';

// The CLI runs in-process against a test database; its effects are checked through the HTTP API.

const server = useTestServer();

async function cli(argv: string[], database: Database = server.database) {
  let stdout = '';
  let stderr = '';
  const output: Output = {
    out: (text) => {
      stdout += text.endsWith('\n') ? text : `${text}\n`;
    },
    err: (text) => {
      stderr += text.endsWith('\n') ? text : `${text}\n`;
    },
  };
  const code = await runCli(argv, database, output, { externalUrl: EXTERNAL_URL });
  return { code, stdout, stderr };
}

/** Every failure ends stderr with exactly one error line (after any progress lines), never a stack trace. */
function expectOneLineError(result: { code: number; stdout: string; stderr: string }, message: string | RegExp) {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines.filter((line) => line.startsWith('error:'))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(/^error: /);
  expect(lines.at(-1)).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

/** The token a command printed: stdout must be that one line and nothing else, so `$(…)` captures it. */
function printedToken(result: { code: number; stdout: string }): string {
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^\S+\n$/);
  return result.stdout.trim();
}

describe('migrate', () => {
  it('applies the pending migrations of an empty database and reports them, then reports nothing to do', async () => {
    const database = await openPGlite(new PGlite({ extensions: PGLITE_EXTENSIONS }));
    try {
      const first = await cli(['migrate'], database);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^Applied \d{14}_init$/m);
      expect(await database.prisma.user.count()).toBe(0);
      const second = await cli(['migrate'], database);
      expect(second.stdout).toBe('No pending migrations: the database is up to date\n');
    } finally {
      await database.close();
    }
  });
});

describe('user:create and token:create', () => {
  it('creates a user whose printed token authenticates, with the scopes asked for', async () => {
    const created = await cli(['user:create', '--username', 'alice', '--name', 'Alice Liddell', '--email', 'alice@example.com']);
    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Created user alice \(id \d+\)\n$/) });

    const token = printedToken(await cli(['token:create', '--username', 'alice', '--scopes', 'read_api', '--expires-at', '2099-01-01']));
    expect(token).toMatch(/^glpat-/);
    const me = await server.graphql(`{ currentUser { username admin tokenScopes } }`, {}, token);
    expect(me.data?.currentUser).toEqual({ username: 'alice', admin: false, tokenScopes: ['READ_API'] });
    const runners = await server.graphql(`{ runners { count } }`, {}, token);
    expect(runners.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('makes administrators with --admin', async () => {
    await cli(['user:create', '--username', 'root2', '--name', 'Root', '--email', 'root2@example.com', '--admin']);
    const token = printedToken(await cli(['token:create', '--username', 'root2']));
    const res = await server.graphql(`{ currentUser { admin tokenScopes } runners { count } }`, {}, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.currentUser).toEqual({ admin: true, tokenScopes: ['API'] });
  });

  it('refuses a taken username, whatever its case, with exit code 1 and a clear message', async () => {
    await cli(['user:create', '--username', 'carol', '--name', 'Carol', '--email', 'carol@example.com']);
    const before = await server.db.user.count();
    const result = await cli(['user:create', '--username', 'Carol', '--name', 'Other Carol', '--email', 'other@example.com']);
    expectOneLineError(result, 'error: cannot create the user: Username has already been taken');
    expect(await server.db.user.count()).toBe(before);
  });

  it('reports invalid input in one line each', async () => {
    expectOneLineError(await cli(['user:create', '--username', 'dave']), "required option '--name <name>' not specified");
    expectOneLineError(
      await cli(['user:create', '--username', '-dave', '--name', 'Dave', '--email', 'nope']),
      /Username can contain only letters.*Email is invalid/,
    );
    expectOneLineError(await cli(['token:create', '--username', 'nobody']), 'error: no user with username "nobody"');
    expectOneLineError(await cli(['token:create', '--username', 'alice', '--scopes', 'api,sudo']), 'unknown scope sudo');
    expectOneLineError(
      await cli(['token:create', '--username', 'alice', '--expires-at', '2020-01-01']),
      'Expires at must be in the future',
    );
    expectOneLineError(await cli(['token:create', '--username', 'alice', '--expires-at', '2099-02-30']), 'expected a date as YYYY-MM-DD');
    expectOneLineError(await cli(['user:delete']), "unknown command 'user:delete'");
  });
});

describe('groups, projects, members and registration tokens', () => {
  it('creates nested groups and a project that a member added with member:add can then see', async () => {
    expect((await cli(['group:create', '--path', 'acme', '--name', 'ACME'])).stdout).toMatch(/^Created group acme \(id \d+\)\n$/);
    expect((await cli(['group:create', '--path', 'backend', '--parent', 'acme'])).stdout).toMatch(/^Created group acme\/backend /);
    expect((await cli(['project:create', '--path', 'api', '--group', 'acme/backend'])).stdout).toMatch(
      /^Created project acme\/backend\/api /,
    );
    await cli(['user:create', '--username', 'erin', '--name', 'Erin', '--email', 'erin@example.com']);
    const token = printedToken(await cli(['token:create', '--username', 'erin']));
    const query = `{ project(fullPath: "acme/backend/api") { fullPath } group(fullPath: "acme") { fullPath } }`;

    expect((await server.graphql(query, {}, token)).data).toEqual({ project: null, group: null });
    const added = await cli(['member:add', '--username', 'erin', '--project', 'acme/backend/api', '--access-level', 'developer']);
    expect(added.stdout).toBe('erin is now Developer of project acme/backend/api\n');
    // The CLI is another process: on PostgreSQL the server hears the membership change by notification, within the
    // bound the README states for its authentication cache (1 s), not necessarily before its next request.
    const seen = async () => (await server.graphql(query, {}, token)).data;
    const withinCacheBound = { timeout: 1_000, interval: 50 };
    await expect.poll(seen, withinCacheBound).toEqual({ project: { fullPath: 'acme/backend/api' }, group: null });
    await cli(['member:add', '--username', 'erin', '--group', 'acme', '--access-level', 'reporter']);
    await expect.poll(seen, withinCacheBound).toEqual({ project: { fullPath: 'acme/backend/api' }, group: { fullPath: 'acme' } });
  });

  it('creates projects in personal namespaces', async () => {
    await cli(['user:create', '--username', 'frank', '--name', 'Frank', '--email', 'frank@example.com']);
    expect((await cli(['project:create', '--path', 'dotfiles', '--owner', 'frank'])).stdout).toMatch(/^Created project frank\/dotfiles /);
  });

  it('refuses taken paths, unknown namespaces and conflicting options', async () => {
    await cli(['group:create', '--path', 'taken']);
    expectOneLineError(await cli(['group:create', '--path', 'TAKEN']), 'error: cannot create group TAKEN: Path has already been taken');
    expectOneLineError(await cli(['group:create', '--path', 'x', '--parent', 'missing']), 'error: no group at "missing"');
    expectOneLineError(await cli(['project:create', '--path', 'x']), 'one of --group or --owner is required');
    expectOneLineError(await cli(['project:create', '--path', 'x', '--group', 'taken', '--owner', 'alice']), 'cannot be used with');
    expectOneLineError(
      await cli(['member:add', '--username', 'alice', '--access-level', 'developer']),
      'one of --group or --project is required',
    );
    expectOneLineError(
      await cli(['member:add', '--username', 'alice', '--group', 'taken', '--access-level', 'boss']),
      'Allowed choices are guest, reporter',
    );
  });

  it('prints a project registration token that registers a runner of that project', async () => {
    await cli(['group:create', '--path', 'runners-home']);
    await cli(['project:create', '--path', 'app', '--group', 'runners-home']);
    const first = printedToken(await cli(['registration-token:reset', '--project', 'runners-home/app']));
    const token = printedToken(await cli(['registration-token:reset', '--project', 'runners-home/app']));
    expect(token).toMatch(/^GR1348941/);

    const register = (value: string) =>
      fetch(`${server.url}/api/v4/runners`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: value, description: 'from the cli test' }),
      });
    expect((await register(first)).status).toBe(403);
    const response = await register(token);
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: number };
    const admin = printedToken(await cli(['token:create', '--username', 'root2']));
    const res = await server.graphql(`{ runner(id: "gid://gitlab/Ci::Runner/${id}") { runnerType ownerProject { fullPath } } }`, {}, admin);
    expect(res.data?.runner).toEqual({ runnerType: 'PROJECT_TYPE', ownerProject: { fullPath: 'runners-home/app' } });
  });
});

describe('demo', () => {
  // A database and server of its own, so the other tests' rows do not blur the counts.
  let database: Database;
  let app: ReturnType<typeof buildApp>;
  let url = '';
  let loaded: { code: number; stdout: string; stderr: string };
  let token = '';

  const graphql = async <T = Record<string, Json>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    app = buildApp({ database, settings: { externalUrl: EXTERNAL_URL } });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    loaded = await cli(['demo', '--runners', '20', '--jobs', '300', '--seed', '7'], database);
    token = /Authorization: Bearer (\S+)/.exec(loaded.stdout)?.[1] ?? '';
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('prints a summary with the admin token, an example query and where to send it, and a line per phase on stderr', () => {
    expect(loaded.code).toBe(0);
    expect(loaded.stdout).toContain('Demo data set loaded (seed 7)');
    expect(loaded.stdout).toMatch(/runners +20: /);
    expect(loaded.stdout).toMatch(/jobs +300: /);
    expect(loaded.stdout).toContain(`${EXTERNAL_URL}/graphql`);
    expect(loaded.stdout).toContain('runners(first: 5, status: ONLINE)');
    expect(token).toMatch(/^glpat-/);
    for (const phase of ['users', 'groups', 'projects', 'runners', 'commits', 'pipelines', 'jobs']) {
      expect(loaded.stderr).toMatch(new RegExp(`^${phase} +\\d+ \\(\\d+\\.\\d s\\)$`, 'm'));
    }
  });

  it('prints an example query that runs within the limits', async () => {
    const query = /then try:\n {2}(.+)\n/.exec(loaded.stdout)?.[1] ?? '';
    expect(query).toMatch(/^\{ runners\(/);
    const res = await graphql(query);
    expect(res.errors).toBeUndefined();
    expect(res.data?.runners.nodes.length).toBeGreaterThan(0);
  });

  it('gives the admin token a fleet of every type and status, paused and locked ones among them', async () => {
    const res = await graphql(`{
      currentUser { username admin }
      all: runners { count }
      online: runners(status: ONLINE) { count }
      offline: runners(status: OFFLINE) { count }
      stale: runners(status: STALE) { count }
      neverContacted: runners(status: NEVER_CONTACTED) { count }
      instance: runners(type: INSTANCE_TYPE) { count }
      group: runners(type: GROUP_TYPE) { count }
      project: runners(type: PROJECT_TYPE) { count }
      paused: runners(paused: true) { count }
      docker: runners(tagList: ["docker"]) { count }
    }`);
    expect(res.errors).toBeUndefined();
    const data = res.data as Record<string, { count: number }> & { currentUser: unknown };
    expect(data.currentUser).toEqual({ username: 'demo-admin', admin: true });
    expect(data.all?.count).toBe(20);
    for (const key of ['online', 'offline', 'stale', 'neverContacted', 'instance', 'group', 'project', 'paused', 'docker']) {
      expect(data[key]?.count, key).toBeGreaterThan(0);
    }
    expect((data.instance?.count ?? 0) + (data.group?.count ?? 0) + (data.project?.count ?? 0)).toBe(20);
  });

  it('gives runners jobs whose timestamps fit their status', async () => {
    const list = await graphql(`{ runners(first: 20) { nodes { id jobCount locked runnerType projectCount } } }`);
    expect(list.errors).toBeUndefined();
    // A runner's jobs are read one runner per request, as GitLab allows.
    const withJobs = [];
    for (const runner of list.data!.runners.nodes as { id: string }[]) {
      const res = await graphql(
        `query($id: CiRunnerID!) { runner(id: $id) {
        jobs(first: 100) { edges { node { status allowFailure startedAt finishedAt duration pipeline { status } } } } } }`,
        { id: runner.id },
      );
      expect(res.errors).toBeUndefined();
      withJobs.push({ ...runner, jobs: res.data?.runner.jobs });
    }
    type Job = {
      status: string;
      allowFailure: boolean;
      startedAt: string | null;
      finishedAt: string | null;
      duration: number | null;
      pipeline: { status: string };
    };
    const runners = withJobs as unknown as {
      jobCount: number;
      locked: boolean;
      runnerType: string;
      projectCount: number;
      jobs: { edges: { node: Job }[] };
    }[];
    const jobs = runners.flatMap((runner) => runner.jobs.edges.map((edge) => edge.node));
    expect(runners.reduce((sum, runner) => sum + runner.jobCount, 0)).toBeGreaterThan(100);
    expect(runners.some((runner) => runner.locked)).toBe(true);
    for (const runner of runners.filter((r) => r.runnerType === 'PROJECT_TYPE')) expect(runner.projectCount).toBeGreaterThanOrEqual(1);
    expect(new Set(jobs.map((job) => job.status))).toContain('SUCCESS');
    for (const job of jobs) {
      expect(job.startedAt).not.toBeNull();
      if (job.finishedAt && job.startedAt) {
        expect(job.duration).toBeCloseTo((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000, 3);
      }
      if (job.status === 'RUNNING') expect(job.finishedAt).toBeNull();
      if (job.status === 'FAILED' && !job.allowFailure) expect(['FAILED', 'RUNNING']).toContain(job.pipeline.status);
      if (job.status === 'CANCELED') expect(['CANCELED', 'FAILED']).toContain(job.pipeline.status);
    }
  });

  it('refuses to load a second time into the same database', async () => {
    const users = await database.prisma.user.count();
    const again = await cli(['demo', '--runners', '20', '--jobs', '300', '--seed', '7'], database);
    expectOneLineError(again, /the demo data set is already loaded in this database \(user demo-admin exists\)/);
    expect(await database.prisma.user.count()).toBe(users);
  });

  it('loads the same data set for the same seed, and takes back a run that fails half-way', async () => {
    const other = await createTestDatabase();
    try {
      // The demo will want this top-level group; having it already makes the run fail after it created users.
      const root = await database.prisma.group.findFirstOrThrow({ where: { parentId: null }, orderBy: { id: 'asc' } });
      const blocker = (await cli(['group:create', '--path', root.path], other)).stdout;
      expect(blocker).toContain(`Created group ${root.path}`);
      const failed = await cli(['demo', '--runners', '20', '--jobs', '300', '--seed', '7'], other);
      expectOneLineError(failed, /loading the demo data set failed: Path has already been taken; what it had created was removed/);
      expect(await other.prisma.user.count()).toBe(0);
      expect(await other.prisma.group.count()).toBe(1);

      await other.prisma.group.deleteMany();
      expect((await cli(['demo', '--runners', '20', '--jobs', '300', '--seed', '7'], other)).code).toBe(0);
      const fingerprint = async (db: Database['prisma']) => ({
        users: await db.user.findMany({ orderBy: { id: 'asc' }, select: { username: true, name: true } }),
        groups: await db.group.findMany({ orderBy: { id: 'asc' }, select: { fullPath: true } }),
        runners: await db.runner.findMany({
          orderBy: { id: 'asc' },
          select: {
            description: true,
            runnerType: true,
            tagList: true,
            paused: true,
            locked: true,
            managers: { select: { version: true, systemXid: true } },
            runnerProjects: { select: { project: { select: { path: true } } } },
          },
        }),
        jobs: await db.job.findMany({
          orderBy: { id: 'asc' },
          select: { name: true, status: true, runner: { select: { description: true } }, pipeline: { select: { ref: true, iid: true } } },
        }),
      });
      const [expected, actual] = [await fingerprint(database.prisma), await fingerprint(other.prisma)];
      expect(actual.jobs).toHaveLength(300);
      expect(actual).toEqual(expected);
    } finally {
      await other.close();
    }
  });
});
