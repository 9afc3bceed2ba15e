import type { FastifyReply, FastifyRequest } from 'fastify';
import { createYoga } from 'graphql-yoga';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { DEFAULT_GRAPHQL_LIMITS } from '../../src/graphql/limits.ts';
import { schema } from '../../src/graphql/schema/index.ts';
import { graphqlJsonPost } from '../../src/http/graphql-post.ts';
import { createTestDatabase } from '../support/db.ts';
import { createRunner, createUser, runnerGid } from '../support/factories.ts';

// The short path for plain JSON POSTs (src/http/graphql-post.ts) must answer exactly as Yoga's whole pipeline does:
// two servers over one database, one with it and one without, asked the same requests.
const database = await createTestDatabase();
const options = {
  database,
  settings: { externalUrl: 'http://gitlab.test' },
  graphqlLimits: { ...DEFAULT_GRAPHQL_LIMITS, maxDepth: 4, maxDepthUnauthenticated: 3 },
  dashboard: null,
};
const short = buildApp(options);
const yogaOnly = buildApp({ ...options, graphqlJsonPost: false });
const urls = { short: await short.listen({ port: 0, host: '127.0.0.1' }), yoga: await yogaOnly.listen({ port: 0, host: '127.0.0.1' }) };
afterAll(async () => {
  await short.close();
  await yogaOnly.close();
  await database.close();
});

const admin = await createUser(database.prisma, { admin: true });
const revoked = await createUser(database.prisma, { revoked: true });
const { runner } = await createRunner(database.prisma, { description: 'the runner' });

/** Headers that differ between any two answers, whatever served them. */
const PER_ANSWER = new Set(['date', 'x-request-id', 'ratelimit-reset', 'ratelimit-resettime', 'ratelimit-observed', 'ratelimit-remaining']);

async function answer(base: string, body: string | undefined, headers: Record<string, string>) {
  const response = await fetch(`${base}/graphql`, { method: 'POST', headers, body });
  const kept = [...response.headers].filter(([name]) => !PER_ANSWER.has(name));
  return { status: response.status, headers: Object.fromEntries(kept), body: await response.text() };
}

/** Both servers' answers to the same request, which must be equal; returns the short path's. */
async function same(body: string | undefined, headers: Record<string, string> = {}) {
  const sent = { 'content-type': 'application/json', ...headers };
  const [fromShort, fromYoga] = [await answer(urls.short, body, sent), await answer(urls.yoga, body, sent)];
  expect(fromShort).toEqual(fromYoga);
  return { ...fromShort, json: JSON.parse(fromShort.body) };
}

const operation = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const RUNNER = 'query R($id: CiRunnerID!) { runner(id: $id) { id description status tagList } }';

describe('POST /graphql with a JSON body', () => {
  it('answers a query as Yoga does, whatever JSON answer the client accepts', async () => {
    for (const accept of [{}, { accept: '*/*' }, { accept: 'application/json' }, { accept: 'application/graphql-response+json' }] as Record<
      string,
      string
    >[]) {
      const ok = await same(operation(RUNNER, { id: runnerGid(runner.id) }), { ...bearer(admin.token), ...accept });
      expect(ok.status).toBe(200);
      expect(ok.json.data.runner).toMatchObject({ id: runnerGid(runner.id), description: 'the runner' });
    }
  });

  it('answers GraphQL errors as Yoga does: validation, variables, a field error, no query at all', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const headers = { ...bearer(admin.token), accept };
      const invalid = await same(operation('{ runner(id: "gid://gitlab/Ci::Runner/1") { nope } }'), headers);
      expect(invalid.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const badVariable = await same(operation(RUNNER, { id: 'not a gid' }), headers);
      expect(badVariable.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const missing = await same(operation('{ runner(id: "gid://gitlab/Ci::Runner/999999") { id } }'), headers);
      expect(missing.json).toEqual({ data: { runner: null } });
      expect((await same('{}', headers)).json.errors[0].message).toBe('Must provide query string.');
      expect((await same(undefined, headers)).json.errors[0].message).toBe('Must provide query string.');
      expect((await same(JSON.stringify({ query: '{ currentUser { id } }', other: 1 }), headers)).status).toBe(400);
      expect((await same(JSON.stringify({ query: 42 }), headers)).status).toBe(400);
      expect((await same(JSON.stringify({ query: '{ currentUser { id } }', variables: [1] }), headers)).status).toBe(400);
    }
  });

  it('refuses what the limits refuse, as Yoga does', async () => {
    const deep = operation('{ group(fullPath: "g") { parent { parent { parent { id } } } } }');
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const refused = await same(deep, { ...bearer(admin.token), accept });
      expect(refused.json.errors[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'depth' });
    }
    const nulByte = await same(operation('{ currentUser { id } }', { x: 'a\u0000b' }), bearer(admin.token));
    expect(nulByte).toMatchObject({ status: 400, json: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
  });

  it('refuses a bad token as Yoga does', async () => {
    for (const token of [revoked.token, 'glpat-not-a-token-at-all']) {
      const refused = await same(operation('{ currentUser { id } }'), bearer(token));
      expect(refused.status).toBe(401);
      expect(refused.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('leaves to Yoga what it does not take: batches, invalid JSON, other media types, subscriptions', async () => {
    expect((await same('[{"query":"{ currentUser { id } }"}]', bearer(admin.token))).status).toBe(400);
    expect((await same('{"query":', bearer(admin.token))).status).toBe(400);
    const other = await same(operation('{ currentUser { username } }'), {
      ...bearer(admin.token),
      accept: 'application/json; charset=utf-8',
    });
    expect(other.json.data.currentUser.username).toBe(admin.user.username);
    const refused = await same(operation('{ currentUser { id } }'), { accept: 'image/png' });
    expect(refused.status).toBe(406);
  });
});

describe('which requests the short path takes', () => {
  const taken: unknown[] = [];
  const yoga = createYoga({ schema, logging: false });
  const take = graphqlJsonPost(
    {
      fetchAPI: yoga.fetchAPI,
      getResultForParams: async ({ params }) => {
        taken.push(params);
        return { data: { ok: true } };
      },
    },
    (error) => error as Error,
  );
  const reply = { header: () => reply, status: () => reply, send: () => reply } as unknown as FastifyReply;
  const post = (body: string, headers: Record<string, string> = {}) =>
    take(
      {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
        protocol: 'http',
        host: 'h',
        url: '/graphql',
      } as unknown as FastifyRequest,
      reply,
    );

  it('takes one JSON operation that asks for JSON, and nothing else', async () => {
    expect(await post(operation('{ a }'))).toBe(true);
    expect(await post(operation('{ a }'), { accept: 'application/graphql-response+json' })).toBe(true);
    expect(await post('{}')).toBe(true);
    expect(await post(operation('subscription { a }'))).toBe(false);
    expect(await post(operation('{ a }'), { accept: 'text/event-stream' })).toBe(false);
    expect(await post(operation('{ a }'), { 'content-type': 'text/plain' })).toBe(false);
    expect(await post('[{"query":"{ a }"}]')).toBe(false);
    expect(await post('not json')).toBe(false);
    expect(taken).toEqual([{ query: '{ a }', variables: {} }, { query: '{ a }', variables: {} }, {}]);
  });
});
