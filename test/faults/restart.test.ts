import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from './process.ts';
import { createPostgresDatabase, DATABASE_URL, sleep } from './support.ts';

const TOKEN = 'glpat-restart-test-token-0123456789';
const POOL_TIMEOUT_MS = 2_000;
const DOWN_MS = 3_000;
const JOBS_PER_PIPELINE = 3;

/** The machine's cluster (`pg_ctlcluster`), when DATABASE_URL points at it; the test needs to restart it. */
function localCluster(): { version: string; name: string } | null {
  if (!DATABASE_URL || !existsSync('/etc/postgresql')) return null;
  const host = new URL(DATABASE_URL).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) return null;
  const [version] = readdirSync('/etc/postgresql');
  return version ? { version, name: process.env.PG_CLUSTER_NAME ?? 'main' } : null;
}

const cluster = localCluster();

/** Not execFileSync: the requests in flight are being timed, and a blocked event loop would time them wrong. */
async function pgctl(action: 'start' | 'stop'): Promise<void> {
  if (!cluster) return;
  await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, action]);
}

async function databaseAccepts(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts the cluster if it is down, and waits until it takes connections: whatever happened, leave it running. */
async function ensureClusterUp(): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    if (await databaseAccepts()) return;
    try {
      await pgctl('start');
    } catch {
      // Already starting, or running: the next probe tells.
    }
    await sleep(500);
  }
  throw new Error('PostgreSQL did not come back');
}

type Kind = 'rest-read' | 'rest-write' | 'graphql-read' | 'graphql-write' | 'readiness';
interface Outcome {
  kind: Kind;
  startedAt: number;
  ms: number;
  status: number;
  contentType: string | null;
  body: unknown;
}

/**
 * The database restarted under load, against the server as production runs it (its own process, PostgreSQL):
 * it does not crash, answers 503 quickly (or succeeds) while the database is down, serves everything again once
 * it is back, and leaves no half-made write. Restarting the cluster would break other test files, so this runs
 * in the fault-test invocation, alone.
 */
describe.skipIf(!cluster)('PostgreSQL restarted during a stream of requests', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let server: ServerProcess;
  let projectId = 0;

  beforeAll(async () => {
    await ensureClusterUp();
    created = await createPostgresDatabase();
    server = await startServer({ DATABASE_URL: created.url, INITIAL_ROOT_TOKEN: TOKEN, DB_POOL_TIMEOUT_MS: String(POOL_TIMEOUT_MS) });
    const group = await graphql('mutation { groupCreate(input: { name: "Acme", path: "acme" }) { group { id } errors } }');
    const groupId = (group.body as { data: { groupCreate: { group: { id: string } } } }).data.groupCreate.group.id;
    const project = await graphql(
      `mutation { projectCreate(input: { name: "App", path: "app", groupId: "${groupId}" }) { project { id } errors } }`,
    );
    projectId = Number(
      (project.body as { data: { projectCreate: { project: { id: string } } } }).data.projectCreate.project.id.split('/').pop(),
    );
  });
  afterAll(async () => {
    await ensureClusterUp();
    await server?.stop();
    await created?.drop();
  });

  async function call(kind: Kind, path: string, init: RequestInit = {}): Promise<Outcome> {
    const startedAt = Date.now();
    const response = await fetch(`${server.url}${path}`, init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text: the assertions below say what it should have been
    }
    return {
      kind,
      startedAt,
      ms: Date.now() - startedAt,
      status: response.status,
      contentType: response.headers.get('content-type'),
      body,
    };
  }

  function graphql(query: string, variables: Record<string, unknown> = {}, kind: Kind = 'graphql-read') {
    return call(kind, '/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  }

  let sequence = 0;
  function nextRequest(): Promise<Outcome> {
    sequence += 1;
    const n = sequence;
    switch (n % 5) {
      case 0:
        return call('rest-read', '/api/v4/user', { headers: { 'private-token': TOKEN } });
      case 1:
        return call('rest-write', '/api/v4/user/runners', {
          method: 'POST',
          headers: { 'private-token': TOKEN, 'content-type': 'application/json' },
          body: JSON.stringify({ runner_type: 'project_type', project_id: projectId, description: `stream ${n}` }),
        });
      case 2:
        return graphql('{ currentUser { username } runners(first: 5) { count nodes { id } } }');
      case 3:
        return graphql(
          'mutation($input: PipelineCreateInput!) { pipelineCreate(input: $input) { pipeline { id } errors } }',
          {
            input: {
              projectId: `gid://gitlab/Project/${projectId}`,
              ref: 'main',
              sha: n.toString(16).padStart(40, '0'),
              commit: { title: `Commit ${n}`, authorName: 'Ada', authorEmail: 'ada@example.com' },
              jobs: Array.from({ length: JOBS_PER_PIPELINE }, (_, index) => ({ name: `job-${index}`, stage: 'test' })),
            },
          },
          'graphql-write',
        );
      default:
        return call('readiness', '/-/readiness');
    }
  }

  it('answers 503 fast while it is down, never crashes, serves everything after, and leaves no partial write', {
    timeout: 120_000,
  }, async () => {
    const outcomes: Outcome[] = [];
    let streaming = true;
    const workers = Array.from({ length: 4 }, async () => {
      while (streaming) {
        // A request the server did not answer at all (a reset connection) is recorded as status 0, and fails below.
        outcomes.push(
          await nextRequest().catch((error: unknown) => ({
            kind: 'rest-read' as const,
            startedAt: Date.now(),
            ms: 0,
            status: 0,
            contentType: null,
            body: String(error),
          })),
        );
      }
    });

    let downAt = 0;
    let upAt = 0;
    let readyAt = 0;
    try {
      await sleep(1_500);
      downAt = Date.now();
      try {
        await pgctl('stop');
        await sleep(DOWN_MS);
      } finally {
        // Whatever happens, the machine's PostgreSQL is running again before the test goes on (or fails).
        await ensureClusterUp();
      }
      upAt = Date.now();
      // The pool reconnects by itself: readiness comes back without anyone touching the server.
      for (let attempt = 0; attempt < 100 && !readyAt; attempt += 1) {
        if ((await call('readiness', '/-/readiness')).status === 200) readyAt = Date.now();
        else await sleep(100);
      }
      if (readyAt) await sleep(2_500);
    } finally {
      streaming = false;
      await Promise.all(workers);
    }
    expect(readyAt, 'readiness never came back').toBeGreaterThan(0);
    const settledAt = readyAt + 500;

    const tally = (list: Outcome[]) => {
      const counts = new Map<string, number>();
      for (const outcome of list)
        counts.set(`${outcome.kind} ${outcome.status}`, (counts.get(`${outcome.kind} ${outcome.status}`) ?? 0) + 1);
      return [...counts]
        .sort()
        .map(([key, count]) => `${key}×${count}`)
        .join(', ');
    };
    console.info(
      `down ${DOWN_MS} ms, ready ${readyAt - upAt} ms after the cluster was up; ${outcomes.length} requests: ${tally(outcomes)}`,
    );
    expect(server.isRunning(), server.output()).toBe(true);
    expect(server.output()).not.toMatch(/unhandled|uncaught|FATAL ERROR/i);

    const before = outcomes.filter((outcome) => outcome.startedAt + outcome.ms < downAt);
    const during = outcomes.filter((outcome) => outcome.startedAt < upAt && outcome.startedAt + outcome.ms >= downAt);
    const after = outcomes.filter((outcome) => outcome.startedAt >= settledAt);
    const failures = (list: Outcome[]) =>
      list.filter(
        (outcome) => outcome.status >= 300 || (outcome.kind.startsWith('graphql') && (outcome.body as { errors?: unknown }).errors),
      );
    expect(failures(before), 'before the restart').toEqual([]);
    expect(failures(after), 'after the database came back').toEqual([]);
    expect(after.length).toBeGreaterThan(20);

    // While it was down: successes or 503s, each quick and in its transport's shape.
    const unavailable = outcomes.filter((outcome) => outcome.status === 503);
    expect(unavailable.length, 'no request met the database down').toBeGreaterThan(0);
    for (const outcome of outcomes) {
      expect([200, 201, 503], JSON.stringify(outcome)).toContain(outcome.status);
      if (outcome.status !== 503) continue;
      expect(outcome.ms, JSON.stringify(outcome)).toBeLessThan(POOL_TIMEOUT_MS + 1_500);
      if (outcome.kind.startsWith('rest')) {
        expect(outcome.body).toEqual({ message: '503 Service Unavailable' });
        expect(outcome.contentType).toBe('application/json');
      } else if (outcome.kind.startsWith('graphql')) {
        const codes = (outcome.body as { errors: { extensions: { code: string } }[] }).errors.map((error) => error.extensions.code);
        expect(codes).toContain('SERVICE_UNAVAILABLE');
      } else {
        expect(outcome.body).toMatchObject({ status: 'failed' });
      }
    }
    expect(during.length).toBeGreaterThan(0);

    // No half-made writes: every pipeline has all its jobs and its commit; every runner its project.
    const client = new pg.Client({ connectionString: created.url });
    await client.connect();
    try {
      const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
      expect(
        await count(
          `SELECT count(*) AS n FROM "Pipeline" p WHERE (SELECT count(*) FROM "Job" j WHERE j."pipelineId" = p.id) <> ${JOBS_PER_PIPELINE}`,
        ),
      ).toBe(0);
      expect(
        await count(`SELECT count(*) AS n FROM "Commit" c WHERE NOT EXISTS (SELECT 1 FROM "Pipeline" p WHERE p."commitId" = c.id)`),
      ).toBe(0);
      expect(
        await count(`SELECT count(*) AS n FROM "Runner" r WHERE (SELECT count(*) FROM "RunnerProject" rp WHERE rp."runnerId" = r.id) <> 1`),
      ).toBe(0);
      // And what was reported done was done.
      const pipelines = outcomes.filter((outcome) => outcome.kind === 'graphql-write' && outcome.status === 200).length;
      const runners = outcomes.filter((outcome) => outcome.kind === 'rest-write' && outcome.status === 201).length;
      expect(await count('SELECT count(*) AS n FROM "Pipeline"')).toBeGreaterThanOrEqual(pipelines);
      expect(await count(`SELECT count(*) AS n FROM "Runner" WHERE description LIKE 'stream %'`)).toBeGreaterThanOrEqual(runners);
    } finally {
      await client.end();
    }
  });
});
