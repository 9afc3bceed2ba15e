import { describe, expect, it } from 'vitest';
import { AccessLevel } from '../../src/auth/access-level.ts';
import { addProjectMember, createProject, createRunner, createUser, gid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// An authenticated token is reused for a few seconds without a lookup (PRINCIPAL_CACHE_TTL_MS), but never past a
// change that could refuse it: revocation, expiry, a blocked user, a lowered membership all apply to the next
// request. Across processes: test/live/principal-cache-replicas.test.ts.

const server = useTestServer();

const REVOKE = `mutation($id: ID!) { personalAccessTokenRevoke(input: { id: $id }) { errors } }`;
const CURRENT_USER = `{ currentUser { username } }`;

describe('the principal cache', () => {
  it('spends no statement on a token used again, and refuses it on the next request once revoked', async () => {
    const { user, token } = await createUser(server.db);
    await server.rest('GET', '/user', { token }); // the token's first use is recorded meanwhile: not counted below
    const first = await server.rest('GET', '/user', { token });
    expect(first.status).toBe(200);
    // No token lookup, and no data version either: a GET without If-None-Match names the version this server last
    // read (see conditional-requests.test.ts), and /version reads nothing else.
    const statements: string[] = [];
    const listener = (sql: string) => void statements.push(sql);
    server.database.onQuery.add(listener);
    expect((await server.rest('GET', '/version', { token })).status).toBe(200);
    server.database.onQuery.delete(listener);
    expect(statements).toEqual([]);

    const record = await server.db.personalAccessToken.findFirstOrThrow({ where: { userId: user.id } });
    expect((await server.graphql(REVOKE, { id: gid('PersonalAccessToken', record.id) }, token)).data).toEqual({
      personalAccessTokenRevoke: { errors: [] },
    });
    const after = await server.rest('GET', '/user', { token });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({
      error: 'invalid_token',
      error_description: 'Token was revoked. You have to re-authorize from the user.',
    });
  });

  it('never serves a token past its expiry, though it was cached a moment before', async () => {
    const { token } = await createUser(server.db, { expiresAt: new Date(Date.now() + 1_500) });
    expect((await server.graphql(CURRENT_USER, {}, token)).data?.currentUser).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const expired = await server.graphql(CURRENT_USER, {}, token);
    expect(expired.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a user blocked by a write straight to the database, once its notification arrives (within 1 s)', async () => {
    const { user, token } = await createUser(server.db);
    expect((await server.rest('GET', '/user', { token })).status).toBe(200);
    await server.db.user.update({ where: { id: user.id }, data: { state: 'blocked' } });
    // Not through this server, so nothing waits for the server to hear it: PostgreSQL's notification brings it.
    await expect.poll(async () => (await server.rest('GET', '/user', { token })).status, { timeout: 1_000 }).toBe(403);
  });

  it("follows a membership lowered by someone else: the member's next read is refused", async () => {
    const project = await createProject(server.db);
    const { runner } = await createRunner(server.db, { projectIds: [project.id] });
    const owner = await createUser(server.db);
    await addProjectMember(server.db, project.id, owner.user.id, AccessLevel.OWNER);
    const member = await createUser(server.db);
    await addProjectMember(server.db, project.id, member.user.id, AccessLevel.MAINTAINER);
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: member.token })).status).toBe(200);

    const lowered = await server.graphql(
      `mutation($input: ProjectMemberUpdateInput!) { projectMemberUpdate(input: $input) { errors } }`,
      { input: { projectId: gid('Project', project.id), userId: gid('User', member.user.id), accessLevel: 'DEVELOPER' } },
      owner.token,
    );
    expect(lowered.data?.projectMemberUpdate.errors).toEqual([]);
    expect((await server.rest('GET', `/runners/${runner.id}`, { token: member.token })).status).toBe(403);
  });
});
