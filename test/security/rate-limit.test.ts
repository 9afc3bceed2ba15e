import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createPersonalAccessToken } from '../../src/services/tokens.ts';
import { createTestDatabase } from '../support/db.ts';
import { createUser } from '../support/factories.ts';
import { rateLimits, startApp } from './app.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** Each run counts under its own keys, so parallel runs sharing one Redis cannot trip each other. */
const RUN_PREFIX = `runners-gateway-test:${randomBytes(6).toString('hex')}`;

const PERIOD = 60;
const rule = (limit: number) => ({ limit, periodSeconds: PERIOD });

const form = (token: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: `token=${token}`,
});

async function call(url: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${url}${path}`, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Asserts GitLab's throttled answer headers; `limit` and `observed` as GitLab counts them. */
function expectThrottled(headers: Headers, name: string, limit: number, observed: number) {
  const retryAfter = Number(headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(PERIOD);
  expect(headers.get('ratelimit-name')).toBe(name);
  expect(headers.get('ratelimit-limit')).toBe(String(limit));
  expect(headers.get('ratelimit-observed')).toBe(String(observed));
  expect(headers.get('ratelimit-remaining')).toBe('0');
  const reset = Number(headers.get('ratelimit-reset'));
  const now = Date.now() / 1000;
  expect(reset).toBeGreaterThan(now);
  expect(reset).toBeLessThanOrEqual(Math.ceil(now) + PERIOD);
  expect(new Date(headers.get('ratelimit-resettime') ?? '').getTime() / 1000).toBe(reset);
}

describe('rate limits, in process', () => {
  const limits = rateLimits({ authenticated: rule(3), unauthenticated: rule(2) });

  it('limits unauthenticated calls per IP, with GitLab answers on /api/v4 and a RATE_LIMITED error on /graphql', async () => {
    const app = await startApp({ rateLimits: limits });
    const first = await call(app.url, '/api/v4/runners');
    expect(first.status).toBe(401);
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect(first.headers.get('retry-after')).toBeNull();
    expect((await app.graphql('{ __typename }')).status).toBe(200);

    const refused = await call(app.url, '/api/v4/runners');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/json');
    expect(refused.text).toBe('{"message":"Retry later"}');
    expectThrottled(refused.headers, 'throttle_unauthenticated_api', 2, 3);

    const graphql = await app.graphql('{ __typename }');
    expect(graphql.status).toBe(429);
    expect(graphql.body).toEqual({ errors: [{ message: 'Retry later', extensions: { code: 'RATE_LIMITED' } }] });
    expectThrottled(graphql.headers, 'throttle_unauthenticated_api', 2, 4);
  });

  it('limits authenticated calls per user, across their tokens and both APIs, apart from the IP budget', async () => {
    const app = await startApp({ rateLimits: limits });
    const alice = await createUser(app.db);
    const second = await createPersonalAccessToken(app.db, { userId: alice.user.id, name: 'second', scopes: ['api'], expiresAt: null });
    const bob = await createUser(app.db);
    expect((await call(app.url, '/api/v4/user', { headers: { 'private-token': alice.token } })).status).toBe(200);
    expect((await app.graphql('{ currentUser { username } }', {}, second.token)).body.data.currentUser.username).toBe(alice.user.username);
    expect((await call(app.url, `/api/v4/user?private_token=${second.token}`)).status).toBe(200);
    const refused = await app.graphql('{ currentUser { username } }', {}, alice.token);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expectThrottled(refused.headers, 'throttle_authenticated_api', 3, 4);

    const other = await call(app.url, '/api/v4/user', { headers: { 'private-token': bob.token } });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-name')).toBe('throttle_authenticated_api');
    expect(other.headers.get('ratelimit-remaining')).toBe('2');
    // The IP's anonymous budget was not spent by the users' calls.
    expect((await call(app.url, '/api/v4/runners')).headers.get('ratelimit-remaining')).toBe('1');
    // A token that authenticates no one counts as anonymous: guessing tokens spends the IP's budget.
    expect((await call(app.url, '/api/v4/user', { headers: { 'private-token': 'glpat-guess' } })).headers.get('ratelimit-name')).toBe(
      'throttle_unauthenticated_api',
    );
  });

  it('bans an IP after too many failed runner-token authentications, REST and GraphQL together', async () => {
    const ban = { maxRetry: 3, findTimeSeconds: 60, banTimeSeconds: 600 };
    const app = await startApp({ rateLimits: rateLimits({ ...limits, unauthenticated: rule(100), failedAuth: ban }) });
    const admin = await createUser(app.db, { admin: true });
    const registration = (
      await app.graphql('mutation { runnersRegistrationTokenReset(input: { type: INSTANCE_TYPE }) { token } }', {}, admin.token)
    ).body.data.runnersRegistrationTokenReset.token;
    const registered = await call(app.url, '/api/v4/runners', form(registration));
    expect(registered.status).toBe(201);
    const { token } = JSON.parse(registered.text) as { token: string };

    // Valid tokens never count, however many times they are used.
    for (let i = 0; i < 10; i++) expect((await call(app.url, '/api/v4/runners/verify', form(token))).status).toBe(200);

    // Two failed guesses over REST and one over GraphQL: the third failure bans the IP (GitLab's Allow2Ban rule).
    expect((await call(app.url, '/api/v4/runners/verify', form('glrt-guess-1'))).status).toBe(403);
    expect((await call(app.url, '/api/v4/runners', { ...form('GR1348941guess'), method: 'POST' })).status).toBe(403);
    const guess = await app.graphql('mutation { runnerVerify(input: { token: "glrt-guess-2" }) { token } }');
    expect(guess.body.errors[0].extensions.code).toBe('FORBIDDEN');

    // Banned: every token-taking endpoint and mutation is refused, even with a valid token (else a guesser would
    // still learn which guess was right), for the ban's length.
    for (const [method, path, body] of [
      ['POST', '/api/v4/runners', registration],
      ['DELETE', '/api/v4/runners', token],
      ['DELETE', '/api/v4/runners/managers', token],
      ['POST', '/api/v4/runners/verify', token],
      ['POST', '/api/v4/runners/reset_authentication_token', token],
    ] as const) {
      const refused = await call(app.url, path, { ...form(body), method });
      expect(refused.status, path).toBe(429);
      expect(refused.text).toBe('{"message":"Retry later"}');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(590);
    }
    const mutation = await app.graphql(`mutation { runnerVerify(input: { token: "${token}" }) { token } }`);
    expect(mutation.status).toBe(429);
    expect(mutation.body).toEqual({ errors: [{ message: 'Retry later', extensions: { code: 'RATE_LIMITED' } }] });
    expect(Number(mutation.headers.get('retry-after'))).toBeGreaterThan(590);
    // The runner was not unregistered, and the rest of the API answers as usual meanwhile.
    expect((await call(app.url, '/api/v4/runners/all', { headers: { 'private-token': admin.token } })).text).toContain('"id"');
    expect((await call(app.url, '/api/v4/runners')).status).toBe(401);
  });

  it('bans only the IP that failed: a runner behind another address keeps working', async () => {
    const ban = { maxRetry: 2, findTimeSeconds: 60, banTimeSeconds: 600 };
    // Behind a trusted proxy, X-Forwarded-For names the client.
    const app = await startApp({
      trustProxy: '127.0.0.1',
      rateLimits: rateLimits({ ...limits, unauthenticated: rule(100), failedAuth: ban }),
    });
    const admin = await createUser(app.db, { admin: true });
    const registration = (
      await app.graphql('mutation { runnersRegistrationTokenReset(input: { type: INSTANCE_TYPE }) { token } }', {}, admin.token)
    ).body.data.runnersRegistrationTokenReset.token;
    const from = (ip: string, token: string) => ({ ...form(token), headers: { ...form(token).headers, 'x-forwarded-for': ip } });
    const { token } = JSON.parse((await call(app.url, '/api/v4/runners', from('10.0.0.2', registration))).text) as { token: string };
    for (const guess of ['glrt-a', 'glrt-b'])
      expect((await call(app.url, '/api/v4/runners/verify', from('10.0.0.1', guess))).status).toBe(403);
    expect((await call(app.url, '/api/v4/runners/verify', from('10.0.0.1', token))).status).toBe(429);
    expect((await call(app.url, '/api/v4/runners/verify', from('10.0.0.2', token))).status).toBe(200);
  });

  it('refuses a GraphQL request holding more guesses than the IP has failures left, so aliases cannot multiply them', async () => {
    const ban = { maxRetry: 3, findTimeSeconds: 60, banTimeSeconds: 600 };
    const app = await startApp({ rateLimits: rateLimits({ ...limits, unauthenticated: rule(100), failedAuth: ban }) });
    const guesses = (n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => `g${i}: runnerVerify(input: { token: "glrt-guess-${i}" }) { token }`).join(' ')} }`;
    const four = await app.graphql(guesses(4));
    expect(four.status).toBe(429);
    expect(four.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    const two = await app.graphql(guesses(2));
    expect(two.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect((await app.graphql(guesses(2))).status).toBe(429);
    // One more failure bans.
    expect((await app.graphql(guesses(1))).body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await app.graphql(guesses(1))).status).toBe(429);
    // Mutations that take no runner token are not refused.
    const user = await createUser(app.db, { admin: true });
    expect((await app.graphql('mutation { runnerCreate(input: { runnerType: INSTANCE_TYPE }) { errors } }', {}, user.token)).body).toEqual({
      data: { runnerCreate: { errors: [] } },
    });
  });

  it('never limits the health endpoints', async () => {
    const app = await startApp({ rateLimits: rateLimits({ ...limits, unauthenticated: rule(1) }) });
    for (let i = 0; i < 5; i++) {
      for (const path of ['/-/liveness', '/-/readiness']) {
        const res = await call(app.url, path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('ratelimit-limit')).toBeNull();
      }
    }
    await call(app.url, '/api/v4/runners');
    expect((await call(app.url, '/api/v4/runners')).status).toBe(429);
    expect((await call(app.url, '/-/liveness')).status).toBe(200);
  });

  it('leaves the default limits high enough for ordinary use', async () => {
    const app = await startApp();
    const { token } = await createUser(app.db);
    for (let i = 0; i < 30; i++) expect((await app.graphql('{ currentUser { id } }', {}, token)).status).toBe(200);
    const res = await call(app.url, '/api/v4/user', { headers: { 'private-token': token } });
    expect(res.headers.get('ratelimit-limit')).toBe('2000');
    expect(res.headers.get('ratelimit-remaining')).toBe('1969');
  });
});

describe('rate limits, shared through Redis', () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await redis.connect().catch(() => {});
    const keys = await redis.keys(`${RUN_PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('shares one budget between two replicas', async () => {
    const shared = rateLimits({ unauthenticated: rule(3), redisUrl: REDIS_URL, keyPrefix: `${RUN_PREFIX}:shared` });
    const database = await createTestDatabase();
    const one = await startApp({ database, rateLimits: shared });
    // The second replica shares the database too, but must not close it twice.
    const two = await startApp({ database: { ...database, close: async () => {} }, rateLimits: shared });
    expect((await call(one.url, '/api/v4/runners')).headers.get('ratelimit-remaining')).toBe('2');
    expect((await call(two.url, '/api/v4/runners')).headers.get('ratelimit-remaining')).toBe('1');
    expect((await call(one.url, '/api/v4/runners')).status).toBe(401);
    const refused = await call(two.url, '/api/v4/runners');
    expect(refused.status).toBe(429);
    expectThrottled(refused.headers, 'throttle_unauthenticated_api', 3, 4);
    expect((await call(one.url, '/api/v4/runners')).status).toBe(429);
    await two.close();
    await one.close();
  });

  it('shares the failed-token ban between two replicas', async () => {
    const shared = rateLimits({
      redisUrl: REDIS_URL,
      keyPrefix: `${RUN_PREFIX}:ban`,
      failedAuth: { maxRetry: 2, findTimeSeconds: 60, banTimeSeconds: 600 },
    });
    const database = await createTestDatabase();
    const one = await startApp({ database, rateLimits: shared });
    const two = await startApp({ database: { ...database, close: async () => {} }, rateLimits: shared });
    expect((await call(one.url, '/api/v4/runners/verify', form('glrt-guess-1'))).status).toBe(403);
    expect((await call(two.url, '/api/v4/runners/verify', form('glrt-guess-2'))).status).toBe(403);
    expect((await call(one.url, '/api/v4/runners/verify', form('glrt-guess-3'))).status).toBe(429);
    expect((await call(two.url, '/api/v4/runners/verify', form('glrt-guess-4'))).status).toBe(429);
    await two.close();
    await one.close();
  });

  it('keeps limiting in process while Redis cannot be reached', async () => {
    const unreachable = rateLimits({ unauthenticated: rule(2), redisUrl: 'redis://127.0.0.1:1', keyPrefix: `${RUN_PREFIX}:down` });
    const app = await startApp({ rateLimits: unreachable });
    expect((await call(app.url, '/api/v4/runners')).status).toBe(401);
    expect((await call(app.url, '/api/v4/runners')).status).toBe(401);
    expect((await call(app.url, '/api/v4/runners')).status).toBe(429);
    await app.close();
  });
});
