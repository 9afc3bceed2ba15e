import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { type Database, openPostgres } from '../../src/db/client.ts';
import { DEFAULT_RATE_LIMITS } from '../../src/http/rate-limit.ts';
import { addProjectMember, createGroup, createProject, createUser } from '../support/factories.ts';
import { createPostgresDatabase, DATABASE_URL, sleep, withAdmin } from './support.ts';

/**
 * A write cut off halfway leaves nothing behind. To cut it at a known point, a side connection locks the table
 * the write reaches last; the request then waits inside its transaction, having written the rows before it, and
 * its backend is terminated there, as a crash or an administrator would.
 */
describe.skipIf(!DATABASE_URL)('a transaction whose connection dies midway (PostgreSQL)', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let database: Database;
  let app: ReturnType<typeof buildApp>;
  let url: string;
  let token: string;
  let projectId: number;

  beforeAll(async () => {
    created = await createPostgresDatabase();
    database = await openPostgres(created.url, { max: 4 });
    const admin = await createUser(database.prisma, { admin: true });
    token = admin.token;
    const group = await createGroup(database.prisma, { path: 'acme' });
    const project = await createProject(database.prisma, { group, path: 'app' });
    await addProjectMember(database.prisma, project.id, admin.user.id);
    projectId = project.id;
    app = buildApp({ database, settings: { externalUrl: 'http://gitlab.test' }, rateLimits: { ...DEFAULT_RATE_LIMITS, enabled: false } });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await created?.drop();
  });

  /** Holds `table` locked while `request` runs, kills the backend that waits for it, and returns the answer. */
  async function cutOff(table: string, request: () => Promise<Response>): Promise<Response> {
    const side = new pg.Client({ connectionString: created.url });
    await side.connect();
    try {
      await side.query('BEGIN');
      await side.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
      const answer = request();
      // Watched from outside the locking transaction: pg_stat_activity is a snapshot within a transaction.
      const victim = await withAdmin(async (admin) => {
        for (let attempt = 0; attempt < 200; attempt += 1) {
          await sleep(25);
          const { rows } = await admin.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`,
            [created.name],
          );
          if (rows[0]) return rows[0].pid;
        }
        return undefined;
      });
      if (victim === undefined) {
        const early = await Promise.race([answer.then((response) => String(response.status)), sleep(100).then(() => 'no answer')]);
        expect.fail(`the request never waited for the locked table (answer: ${early})`);
      }
      await withAdmin((admin) => admin.query('SELECT pg_terminate_backend($1)', [victim]));
      await side.query('ROLLBACK');
      return await answer;
    } finally {
      await side.end();
    }
  }

  const graphql = (query: string, variables: Record<string, unknown>) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });

  const PIPELINE = /* GraphQL */ `
    mutation($input: PipelineCreateInput!) { pipelineCreate(input: $input) { pipeline { id } errors } }
  `;
  const pipelineInput = (sha: string) => ({
    projectId: `gid://gitlab/Project/${projectId}`,
    ref: 'main',
    sha,
    commit: { title: 'Fix', authorName: 'Ada', authorEmail: 'ada@example.com' },
    jobs: [
      { name: 'build', stage: 'build' },
      { name: 'test', stage: 'test' },
      { name: 'deploy', stage: 'deploy' },
    ],
  });

  it('pipelineCreate killed after its commit and pipeline rows, before its jobs: 503, and none of the three exist', async () => {
    const response = await cutOff('Job', () => graphql(PIPELINE, { input: pipelineInput('a'.repeat(40)) }));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    const db = database.prisma;
    expect([await db.commit.count(), await db.pipeline.count(), await db.job.count()]).toEqual([0, 0, 0]);

    // The pool replaced the dead connection: the same request now succeeds, whole.
    const again = await graphql(PIPELINE, { input: pipelineInput('a'.repeat(40)) });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { data: { pipelineCreate: { errors: string[] } } }).data.pipelineCreate.errors).toEqual([]);
    expect([await db.commit.count(), await db.pipeline.count(), await db.job.count()]).toEqual([1, 1, 3]);
  });

  it('a project runner created over REST, killed between the runner and its project assignment: 503, and no runner', async () => {
    const create = () =>
      fetch(`${url}/api/v4/user/runners`, {
        method: 'POST',
        headers: { 'private-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ runner_type: 'project_type', project_id: projectId, description: 'cut off' }),
      });
    const response = await cutOff('RunnerProject', create);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ message: '503 Service Unavailable' });
    expect(await database.prisma.runner.count({ where: { description: 'cut off' } })).toBe(0);

    const again = await create();
    expect(again.status).toBe(201);
    expect(await database.prisma.runner.count({ where: { description: 'cut off', runnerProjects: { some: { projectId } } } })).toBe(1);
  });
});
