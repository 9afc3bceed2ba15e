import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import type { ServerProcess } from '../faults/process.ts';
import { DATABASE_URL } from '../faults/support.ts';
import { addProjectMember, createProject, createRunner, createUser, gid } from '../support/factories.ts';
import { useReplicas } from '../support/replicas.ts';
import type { Json } from '../support/json.ts';

/**
 * Two replicas, each caching authenticated tokens for a minute (PRINCIPAL_CACHE_TTL_MS): a change made through one
 * applies on the other as soon as PostgreSQL has delivered the `access` notification its transaction sent — the
 * stated bound. The first request after the acknowledged write is normally already refused; under load the test
 * allows BOUND_MS. PostgreSQL only: PGlite is one process's (test/security/principal-cache.test.ts).
 */
const BOUND_MS = 1_000;

describe.skipIf(!DATABASE_URL)('the principal cache across two server processes', () => {
  const replicas = useReplicas({ PRINCIPAL_CACHE_TTL_MS: '60000' });

  const get = (server: ServerProcess, path: string, token: string) =>
    fetch(`${server.url}/api/v4${path}`, { headers: { 'private-token': token } }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
    }));

  async function graphql(server: ServerProcess, query: string, variables: Record<string, unknown>, token: string) {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'private-token': token },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, Json>; errors?: unknown[] };
  }

  /** Asks until the answer has `status`; answers how long that took after the write was acknowledged. */
  async function untilStatus(ask: () => Promise<{ status: number }>, status: number): Promise<number> {
    const start = Date.now();
    for (;;) {
      if ((await ask()).status === status) return Date.now() - start;
      if (Date.now() - start > BOUND_MS) throw new Error(`still not ${status} after ${BOUND_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('refuses on B a token revoked through A', async () => {
    const { user, token } = await createUser(replicas.db.prisma);
    // Cached on both replicas.
    expect((await get(replicas.a, '/user', token)).status).toBe(200);
    expect((await get(replicas.b, '/user', token)).status).toBe(200);
    const record = await replicas.db.prisma.personalAccessToken.findFirstOrThrow({ where: { userId: user.id } });

    const revoked = await graphql(
      replicas.a,
      `mutation($id: ID!) { personalAccessTokenRevoke(input: { id: $id }) { errors } }`,
      { id: gid('PersonalAccessToken', record.id) },
      token,
    );
    expect(revoked.data?.personalAccessTokenRevoke.errors).toEqual([]);
    expect(await untilStatus(() => get(replicas.b, '/user', token), 401)).toBeLessThanOrEqual(BOUND_MS);
    expect((await get(replicas.b, '/user', token)).body.error_description).toBe(
      'Token was revoked. You have to re-authorize from the user.',
    );
  });

  it("follows on B a membership lowered through A: the member's reads there are refused", async () => {
    const project = await createProject(replicas.db.prisma);
    const { runner } = await createRunner(replicas.db.prisma, { projectIds: [project.id] });
    const owner = await createUser(replicas.db.prisma);
    await addProjectMember(replicas.db.prisma, project.id, owner.user.id, AccessLevel.OWNER);
    const member = await createUser(replicas.db.prisma);
    await addProjectMember(replicas.db.prisma, project.id, member.user.id, AccessLevel.MAINTAINER);
    expect((await get(replicas.b, `/runners/${runner.id}`, member.token)).status).toBe(200);

    const lowered = await graphql(
      replicas.a,
      `mutation($input: ProjectMemberUpdateInput!) { projectMemberUpdate(input: $input) { errors } }`,
      { input: { projectId: gid('Project', project.id), userId: gid('User', member.user.id), accessLevel: 'DEVELOPER' } },
      owner.token,
    );
    expect(lowered.data?.projectMemberUpdate.errors).toEqual([]);
    expect(await untilStatus(() => get(replicas.b, `/runners/${runner.id}`, member.token), 403)).toBeLessThanOrEqual(BOUND_MS);
  });

  it('refuses on both a token that expired while cached', async () => {
    const { token } = await createUser(replicas.db.prisma, { expiresAt: new Date(Date.now() + 2_000) });
    expect((await get(replicas.a, '/user', token)).status).toBe(200);
    expect((await get(replicas.b, '/user', token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    for (const server of [replicas.a, replicas.b]) expect((await get(server, '/user', token)).status).toBe(401);
  });
});
