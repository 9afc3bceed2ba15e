import { describe, expect, it, vi } from 'vitest';
import { createGroup, createUser, gid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// Lets one test blind the username check, as if a concurrent request inserted the same user after the check
// ran: only the unique constraint is left to catch it.
const blindChecks = vi.hoisted(() => ({ routes: false }));
vi.mock('../../src/services/namespaces.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/services/namespaces.ts')>();
  return {
    ...actual,
    routeTaken: (...args: Parameters<typeof actual.routeTaken>) =>
      blindChecks.routes ? Promise.resolve(false) : actual.routeTaken(...args),
  };
});

const server = useTestServer();
const DAY = 24 * 3600_000;

const USER_CREATE = `mutation($input: UserCreateInput!) {
  userCreate(input: $input) {
    user { id username name email: publicEmail bio websiteUrl organization state }
    errors
    attributeErrors { attribute message }
  }
}`;

const TOKEN_CREATE = `mutation($input: PersonalAccessTokenCreateInput!) {
  personalAccessTokenCreate(input: $input) {
    token
    personalAccessToken { id name scopes expiresAt revoked active lastUsedAt }
    errors
    attributeErrors { attribute message }
  }
}`;

const TOKEN_REVOKE = `mutation($id: ID!) {
  personalAccessTokenRevoke(input: { id: $id }) { personalAccessToken { id revoked active } errors }
}`;

describe('Mutation.userCreate', () => {
  it('lets an administrator create a user, with a profile', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const input = {
      username: 'ada.lovelace',
      name: 'Ada Lovelace',
      email: 'Ada@Example.com',
      publicEmail: 'ada@example.com',
      bio: 'Analyst',
      websiteUrl: 'https://ada.example.com',
      organization: 'Analytical Engines',
    };

    const res = await server.graphql(USER_CREATE, { input }, token);

    expect(res.errors).toBeUndefined();
    const user = res.data?.userCreate.user;
    expect(user).toEqual({
      id: expect.stringMatching(/^gid:\/\/gitlab\/User\/\d+$/),
      username: 'ada.lovelace',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      bio: 'Analyst',
      websiteUrl: 'https://ada.example.com',
      organization: 'Analytical Engines',
      state: 'active',
    });
    expect(res.data?.userCreate.errors).toEqual([]);
    const stored = await server.db.user.findUniqueOrThrow({ where: { username: 'ada.lovelace' } });
    expect({ email: stored.email, admin: stored.admin }).toEqual({ email: 'ada@example.com', admin: false });
  });

  it('is for administrators only: FORBIDDEN to users, UNAUTHENTICATED without a token, INSUFFICIENT_SCOPE to read_api', async () => {
    const input = { username: 'nobody-made', name: 'Nobody', email: 'nobody-made@example.com' };
    const user = await createUser(server.db);
    const readOnlyAdmin = await createUser(server.db, { admin: true, scopes: ['read_api'] });

    expect((await server.graphql(USER_CREATE, { input }, user.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.graphql(USER_CREATE, { input })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await server.graphql(USER_CREATE, { input }, readOnlyAdmin.token)).errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    expect(await server.db.user.count({ where: { username: 'nobody-made' } })).toBe(0);
  });

  it('reports every invalid attribute at once, as data', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const input = { username: '-dash', name: ' ', email: 'not-an-email', websiteUrl: 'ftp://x', bio: 'b'.repeat(256), location: 'London' };

    const res = await server.graphql(USER_CREATE, { input }, token);

    expect(res.errors).toBeUndefined();
    expect(res.data?.userCreate.user).toBeNull();
    expect(res.data?.userCreate.attributeErrors).toEqual([
      { attribute: 'username', message: "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or '.'" },
      { attribute: 'name', message: "can't be blank" },
      { attribute: 'email', message: 'is invalid' },
      { attribute: 'bio', message: 'is too long (maximum is 255 characters)' },
      { attribute: 'website_url', message: 'is not a valid URL' },
    ]);
    expect(res.data?.userCreate.errors).toContain("Name can't be blank");
  });

  it('refuses a username over 255 characters and a public email the user does not own', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const res = await server.graphql(
      USER_CREATE,
      { input: { username: 'u'.repeat(256), name: 'Long', email: 'long@example.com', publicEmail: 'other@example.com' } },
      token,
    );
    expect(res.data?.userCreate.attributeErrors).toEqual([
      { attribute: 'username', message: 'is too long (maximum is 255 characters)' },
      { attribute: 'public_email', message: 'is not an email you own' },
    ]);
  });

  it('says a username or email is taken regardless of case, and a username may not be a group path', async () => {
    const { token } = await createUser(server.db, { admin: true });
    await createUser(server.db, { username: 'taken_name' });
    await createGroup(server.db, { path: 'acme-corp' });
    const attempt = (username: string, email: string) =>
      server.graphql(USER_CREATE, { input: { username, name: 'Someone', email } }, token);

    const byName = await attempt('Taken_Name', 'fresh1@example.com');
    expect(byName.data?.userCreate.attributeErrors).toEqual([{ attribute: 'username', message: 'has already been taken' }]);
    expect(byName.data?.userCreate.errors).toEqual(['Username has already been taken']);
    const byEmail = await attempt('fresh1', 'TAKEN_NAME@example.com');
    expect(byEmail.data?.userCreate.attributeErrors).toEqual([{ attribute: 'email', message: 'has already been taken' }]);
    const byGroup = await attempt('ACME-corp', 'fresh2@example.com');
    expect(byGroup.data?.userCreate.attributeErrors).toEqual([{ attribute: 'username', message: 'has already been taken' }]);
    // `_` is a character like any other, not a wildcard: `takenXname` is free.
    const similar = await attempt('takenXname', 'fresh3@example.com');
    expect(similar.data?.userCreate.errors).toEqual([]);
  });

  it('creates one user when the same one is requested concurrently; the others are told it is taken', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const input = { username: 'racer', name: 'Racer', email: 'racer@example.com' };

    const results = await Promise.all(Array.from({ length: 4 }, () => server.graphql(USER_CREATE, { input }, token)));

    expect(results.map((res) => res.errors)).toEqual([undefined, undefined, undefined, undefined]);
    const created = results.filter((res) => res.data?.userCreate.user);
    expect(created).toHaveLength(1);
    for (const res of results.filter((r) => !r.data?.userCreate.user)) {
      expect(res.data?.userCreate.errors).toEqual(
        expect.arrayContaining([expect.stringMatching(/^(Username|Email) has already been taken$/)]),
      );
    }
    expect(await server.db.user.count({ where: { username: 'racer' } })).toBe(1);
  });

  it('reports a username taken by a concurrent insert, which only the unique constraint saw, as taken', async () => {
    const { token } = await createUser(server.db, { admin: true });
    await createUser(server.db, { username: 'late-racer' });
    blindChecks.routes = true;
    try {
      const res = await server.graphql(USER_CREATE, { input: { username: 'late-racer', name: 'Late', email: 'late@example.com' } }, token);
      expect(res.errors).toBeUndefined();
      expect(res.data?.userCreate).toMatchObject({ user: null, errors: ['Username has already been taken'] });
    } finally {
      blindChecks.routes = false;
    }
  });
});

describe('Mutation.personalAccessTokenCreate', () => {
  it('creates a token for yourself that authenticates requests; it is shown once and listed without its secret', async () => {
    const { user, token } = await createUser(server.db);
    const expiresAt = new Date(Date.now() + 30 * DAY).toISOString();

    const res = await server.graphql(TOKEN_CREATE, { input: { name: 'ci', scopes: ['READ_API', 'MANAGE_RUNNER'], expiresAt } }, token);

    expect(res.errors).toBeUndefined();
    const created = res.data?.personalAccessTokenCreate;
    expect(created.token).toMatch(/^glpat-[A-Za-z0-9_-]{27}$/);
    expect(created.personalAccessToken).toEqual({
      id: expect.stringMatching(/^gid:\/\/gitlab\/PersonalAccessToken\/\d+$/),
      name: 'ci',
      scopes: ['READ_API', 'MANAGE_RUNNER'],
      expiresAt,
      revoked: false,
      active: true,
      lastUsedAt: null,
    });

    const me = await server.graphql(`{ currentUser { username tokenScopes personalAccessTokens { name scopes } } }`, {}, created.token);
    expect(me.data?.currentUser).toEqual({
      username: user.username,
      tokenScopes: ['READ_API', 'MANAGE_RUNNER'],
      personalAccessTokens: [
        { name: 'test', scopes: ['API'] },
        { name: 'ci', scopes: ['READ_API', 'MANAGE_RUNNER'] },
      ],
    });
    const type = await server.graphql(`{ __type(name: "PersonalAccessToken") { fields { name } } }`, {}, token);
    expect(type.data?.__type.fields.map((f: { name: string }) => f.name).sort()).toEqual([
      'active',
      'createdAt',
      'expiresAt',
      'id',
      'lastUsedAt',
      'name',
      'revoked',
      'scopes',
    ]);
  });

  it('lets an administrator create a token for another user, but not a user for someone else', async () => {
    const admin = await createUser(server.db, { admin: true });
    const { user: other } = await createUser(server.db);
    const plain = await createUser(server.db);
    const input = { userId: gid('User', other.id), name: 'for-other', scopes: ['API'] };

    const made = await server.graphql(TOKEN_CREATE, { input }, admin.token);
    expect(made.data?.personalAccessTokenCreate.errors).toEqual([]);
    const asOther = await server.graphql(`{ currentUser { id } }`, {}, made.data?.personalAccessTokenCreate.token);
    expect(asOther.data?.currentUser).toEqual({ id: gid('User', other.id) });

    const refused = await server.graphql(TOKEN_CREATE, { input }, plain.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const missing = await server.graphql(TOKEN_CREATE, { input: { ...input, userId: gid('User', 999999) } }, admin.token);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', resource: 'User' });
  });

  it('needs a name, at least one scope, and an expiry in the future', async () => {
    const { token } = await createUser(server.db);
    const res = await server.graphql(
      TOKEN_CREATE,
      { input: { name: '', scopes: [], expiresAt: new Date(Date.now() - DAY).toISOString() } },
      token,
    );
    expect(res.data?.personalAccessTokenCreate).toMatchObject({
      token: null,
      personalAccessToken: null,
      attributeErrors: [
        { attribute: 'name', message: "can't be blank" },
        { attribute: 'scopes', message: "can't be blank" },
        { attribute: 'expires_at', message: 'must be in the future' },
      ],
    });
    const long = await server.graphql(TOKEN_CREATE, { input: { name: 'n'.repeat(256), scopes: ['API'] } }, token);
    expect(long.data?.personalAccessTokenCreate.errors).toEqual(['Name is too long (maximum is 255 characters)']);
  });

  it('cannot be run with a read_api token', async () => {
    const { token } = await createUser(server.db, { scopes: ['read_api'] });
    const res = await server.graphql(TOKEN_CREATE, { input: { name: 'escalate', scopes: ['API'] } }, token);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'INSUFFICIENT_SCOPE', scopes: ['api'] });
    expect(res.data?.personalAccessTokenCreate ?? null).toBeNull();
  });
});

describe('Mutation.personalAccessTokenRevoke', () => {
  it('revokes your own token, which is refused from then on', async () => {
    const { token } = await createUser(server.db);
    const made = await server.graphql(TOKEN_CREATE, { input: { name: 'short-lived', scopes: ['API'] } }, token);
    const { token: secret, personalAccessToken } = made.data!.personalAccessTokenCreate;
    expect((await server.graphql(`{ currentUser { id } }`, {}, secret)).errors).toBeUndefined();

    const revoked = await server.graphql(TOKEN_REVOKE, { id: personalAccessToken.id }, token);
    expect(revoked.data?.personalAccessTokenRevoke).toEqual({
      personalAccessToken: { id: personalAccessToken.id, revoked: true, active: false },
      errors: [],
    });

    const refused = await server.graphql(`{ currentUser { id } }`, {}, secret);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', failure: 'revoked' });
    expect(refused.errors?.[0]?.message).toBe('Token was revoked. You have to re-authorize from the user.');
    const again = await server.graphql(TOKEN_REVOKE, { id: personalAccessToken.id }, token);
    expect(again.data?.personalAccessTokenRevoke.personalAccessToken.revoked).toBe(true);
  });

  it("hides other users' tokens (NOT_FOUND) from all but administrators", async () => {
    const owner = await createUser(server.db);
    const stranger = await createUser(server.db);
    const admin = await createUser(server.db, { admin: true });
    const record = await server.db.personalAccessToken.findFirstOrThrow({ where: { userId: owner.user.id } });
    const id = gid('PersonalAccessToken', record.id);

    const hidden = await server.graphql(TOKEN_REVOKE, { id }, stranger.token);
    expect(hidden.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', resource: 'Token' });
    expect((await server.graphql(`{ currentUser { id } }`, {}, owner.token)).errors).toBeUndefined();

    const byAdmin = await server.graphql(TOKEN_REVOKE, { id }, admin.token);
    expect(byAdmin.data?.personalAccessTokenRevoke.personalAccessToken.revoked).toBe(true);
    const after = await server.graphql(`{ currentUser { id } }`, {}, owner.token);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an id that is not a token id, and one that does not exist', async () => {
    const { token } = await createUser(server.db);
    const wrongClass = await server.graphql(TOKEN_REVOKE, { id: gid('User', 1) }, token);
    expect(wrongClass.errors?.[0]).toMatchObject({
      message: '"gid://gitlab/User/1" does not represent an instance of PersonalAccessToken',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const missing = await server.graphql(TOKEN_REVOKE, { id: gid('PersonalAccessToken', 999999) }, token);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', resource: 'Token' });
  });
});
