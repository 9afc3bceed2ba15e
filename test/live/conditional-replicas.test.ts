import { describe, expect, it } from 'vitest';
import type { ServerProcess } from '../faults/process.ts';
import { DATABASE_URL } from '../faults/support.ts';
import { createRunner, createUser, runnerGid } from '../support/factories.ts';
import { useReplicas } from '../support/replicas.ts';

/**
 * Conditional requests across two server processes on one PostgreSQL: the version an ETag names is the database's,
 * moved in the writing transaction, so the first request to B after a write acknowledged by A is a 200 with the new
 * answer — with no delay to allow for. PostgreSQL only (test/rest/conditional-requests.test.ts runs on either).
 */
describe.skipIf(!DATABASE_URL)('conditional requests across two server processes', () => {
  const replicas = useReplicas({});

  async function get(server: ServerProcess, path: string, token: string, etag?: string) {
    const response = await fetch(`${server.url}${path}`, {
      headers: { 'private-token': token, ...(etag ? { 'if-none-match': etag } : {}) },
    });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get('etag') ?? '', body: text ? JSON.parse(text) : null };
  }

  it('turns a 304 on B into a 200 with the new answer after a REST write on A', async () => {
    const { token } = await createUser(replicas.db.prisma, { admin: true });
    const { runner } = await createRunner(replicas.db.prisma, { description: 'before' });
    const path = `/api/v4/runners/${runner.id}`;
    await get(replicas.b, path, token);
    const seen = await get(replicas.b, path, token);
    expect((await get(replicas.b, path, token, seen.etag)).status).toBe(304);

    const written = await fetch(`${replicas.a.url}/api/v4/runners/${runner.id}`, {
      method: 'PUT',
      headers: { 'private-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'written on A' }),
    });
    expect(written.status).toBe(200);
    const after = await get(replicas.b, path, token, seen.etag);
    expect(after.status).toBe(200);
    expect(after.body.description).toBe('written on A');
    expect((await get(replicas.b, path, token, after.etag)).status).toBe(304);
  });

  it('does the same for a GraphQL GET after a GraphQL mutation on A', async () => {
    const { token } = await createUser(replicas.db.prisma, { admin: true });
    const { runner } = await createRunner(replicas.db.prisma, { description: 'before' });
    const query = new URLSearchParams({
      query: 'query($id: CiRunnerID!) { runner(id: $id) { description } }',
      variables: JSON.stringify({ id: runnerGid(runner.id) }),
    });
    const path = `/graphql?${query}`;
    await get(replicas.b, path, token);
    const seen = await get(replicas.b, path, token);
    expect((await get(replicas.b, path, token, seen.etag)).status).toBe(304);

    const mutation = await fetch(`${replicas.a.url}/graphql`, {
      method: 'POST',
      headers: { 'private-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: RunnerUpdateInput!) { runnerUpdate(input: $input) { errors } }',
        variables: { input: { id: runnerGid(runner.id), description: 'mutated on A' } },
      }),
    });
    expect(((await mutation.json()) as { data: { runnerUpdate: { errors: string[] } } }).data.runnerUpdate.errors).toEqual([]);
    const after = await get(replicas.b, path, token, seen.etag);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ data: { runner: { description: 'mutated on A' } } });
  });
});
