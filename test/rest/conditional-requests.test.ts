import { describe, expect, it } from 'vitest';
import { currentDataVersion } from '../../src/db/data-version.ts';
import { sweepStatuses } from '../../src/live/sweeper.ts';
import { createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// Pollers re-read the same answers: every GET of both APIs answers an ETag, and If-None-Match with the current one
// is answered 304 without running the request. Across server processes: test/live/conditional-replicas.test.ts.

const server = useTestServer();

const RUNNER_QUERY = 'query($id: CiRunnerID!) { runner(id: $id) { description } }';

async function get(path: string, token: string, etag?: string) {
  const response = await fetch(`${server.url}${path}`, {
    headers: { 'private-token': token, ...(etag ? { 'if-none-match': etag } : {}) },
  });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get('etag'), text, body: text ? JSON.parse(text) : null };
}

describe('conditional requests (ETag, If-None-Match)', () => {
  it('answers 304 with no body and without running the request while nothing changed, then 200 after a write', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'before' });
    const path = `/api/v4/runners/${runner.id}`;
    await get(path, token); // the token's first use is recorded meanwhile: not counted below
    const first = await get(path, token);
    expect(first.status).toBe(200);
    expect(first.etag).toMatch(/^W\/"[\w-]+"$/);

    let again: Awaited<ReturnType<typeof get>> | undefined;
    // The token is cached; the version is the one statement a 304 costs.
    expect(await server.countQueries(async () => (again = await get(path, token, first.etag ?? '')))).toBe(1);
    expect(again).toMatchObject({ status: 304, etag: first.etag, text: '' });

    expect((await server.rest('PUT', `/runners/${runner.id}`, { token, json: { description: 'after' } })).status).toBe(200);
    const changed = await get(path, token, first.etag ?? '');
    expect(changed.status).toBe(200);
    expect(changed.body.description).toBe('after');
    expect(changed.etag).not.toBe(first.etag);
    expect((await get(path, token, changed.etag ?? '')).status).toBe(304);
  });

  it('reads no version for a GET without If-None-Match, and its ETag still moves once the write is heard', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'plain' });
    const path = `/api/v4/runners/${runner.id}`;
    await get(path, token);
    let plain: Awaited<ReturnType<typeof get>> | undefined;
    // Once the server has heard the writes above (made straight to the database, and the token's first use), the
    // token is cached and the version known: the runner's statement is the only one.
    await expect.poll(() => server.countQueries(async () => (plain = await get(path, token))), { timeout: 1_000 }).toBe(1);
    expect((await get(path, token, plain?.etag ?? '')).status).toBe(304);

    await server.db.runner.update({ where: { id: runner.id }, data: { description: 'moved' } });
    // The bump is announced when the write commits; until this server hears it, the ETag may still name the old
    // version (never a newer one than its answer), so a conditional request decides on a version it reads itself.
    expect((await get(path, token, plain?.etag ?? '')).status).toBe(200);
    await expect.poll(async () => (await get(path, token)).etag).not.toBe(plain?.etag);
    const moved = await get(path, token);
    expect(moved.body.description).toBe('moved');
    expect((await get(path, token, moved.etag ?? '')).status).toBe(304);
  });

  it('never gives one user a 304 for what another user saw', async () => {
    const { token: admin } = await createUser(server.db, { admin: true });
    const { token: other } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    const path = `/api/v4/runners/${runner.id}`;
    const seen = await get(path, admin);
    const theirs = await get(path, other, seen.etag ?? '');
    expect(theirs.status).toBe(200);
    expect(theirs.etag).not.toBe(seen.etag);
  });

  it('serves GraphQL GET queries alike; POSTs carry no ETag', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db, { description: 'graphql' });
    const query = new URLSearchParams({ query: RUNNER_QUERY, variables: JSON.stringify({ id: `gid://gitlab/Ci::Runner/${runner.id}` }) });
    const path = `/graphql?${query}`;
    const first = await get(path, token);
    expect(first.body).toEqual({ data: { runner: { description: 'graphql' } } });
    expect((await get(path, token, first.etag ?? '')).status).toBe(304);
    const posted = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'private-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ query: RUNNER_QUERY, variables: { id: `gid://gitlab/Ci::Runner/${runner.id}` } }),
    });
    expect(posted.headers.get('etag')).toBeNull();
  });

  it('gives refusals no ETag, and refuses a revoked token even with a current ETag', async () => {
    const { user, token } = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    const path = `/api/v4/runners/${runner.id}`;
    expect((await get('/api/v4/runners/999999', token)).etag).toBeNull();
    const seen = await get(path, token);
    await server.db.personalAccessToken.updateMany({ where: { userId: user.id }, data: { revoked: true } });
    // Revoked straight in the database: the server hears it by notification (within the authentication cache's 1 s).
    const refusal = async () => {
      const answer = await get(path, token, seen.etag ?? '');
      return { status: answer.status, etag: answer.etag };
    };
    await expect.poll(refusal, { timeout: 1_000 }).toEqual({ status: 401, etag: null });
  });

  it('moves the version when a runner goes offline by time passing (the status sweeper)', async () => {
    await createRunner(server.db, { contactedAt: new Date() });
    await sweepStatuses(server.db);
    const before = await currentDataVersion(server.db);
    const published = await sweepStatuses(server.db, Date.now() + 3 * 60 * 60 * 1000);
    expect(published?.length).toBeGreaterThan(0);
    expect(await currentDataVersion(server.db)).not.toBe(before);
  });

  it('counts every table in the version: each has the trigger that bumps it', async () => {
    // Not counted: the version itself, and the live machinery's bookkeeping (the sweep's clock and the change log
    // of notifications), which no answer shows.
    const missing = await server.db.$queryRaw<{ table: string }[]>`
      SELECT c.relname AS "table" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND c.relname NOT IN ('_prisma_migrations', 'DataVersion', 'LiveSweep', 'LiveChange')
        AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = c.relname || '_data_version')
      ORDER BY 1`;
    expect(missing).toEqual([]);
  });
});
