import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner, createUser, runnerGid } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';
import { RawClient, type RawRequest } from './client.ts';
import { graphqlViolation, restViolation } from './invariants.ts';
import { deepJson } from './values.ts';

// The fuzzer's finds, one request each, so that each stays fixed whatever seed the fuzzer runs with.

describe('requests the fuzzer found answered with a 500 or the wrong shape', () => {
  const server = useTestServer();
  let client: RawClient;
  let admin: string;
  let runnerId: number;

  beforeAll(async () => {
    client = new RawClient(new URL(server.url));
    admin = (await createUser(server.db, { admin: true })).token;
    runnerId = (await createRunner(server.db, { description: 'kept' })).runner.id;
  });
  afterAll(() => client.close());

  const rest = async (request: RawRequest) => {
    const response = await client.send(request);
    expect(restViolation(response), response.text).toBeNull();
    return response;
  };

  const graphql = async (request: Omit<RawRequest, 'path'> & { path?: string }) => {
    const response = await client.send({ path: '/graphql', ...request });
    expect(graphqlViolation(response, { method: request.method }), response.text).toBeNull();
    return response;
  };

  it('a JSON body nested 100,000 deep (the NUL check recursed until the stack overflowed)', async () => {
    const response = await rest({
      method: 'POST',
      path: '/api/v4/runners/verify',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(`{"token":${deepJson(100_000, 'array')}}`),
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'token is invalid' });
  });

  it('a multipart body without a boundary, or cut short (the parser errors had no status)', async () => {
    const noBoundary = await rest({
      method: 'DELETE',
      path: '/api/v4/runners',
      headers: { 'content-type': 'multipart/form-data' },
      body: Buffer.from('{}'),
    });
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.json).toEqual({ error: 'Malformed multipart body: Multipart: Boundary not found' });
    const cut = await rest({
      method: 'POST',
      path: '/api/v4/runners/verify',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: Buffer.from('--x\r\nContent-Disposition: form-data; name="token"\r\n\r\nglrt-'),
    });
    expect(cut.status).toBe(400);
  });

  it('multipart fields are still read, a repeated one as a list', async () => {
    const body = [
      '--x',
      'Content-Disposition: form-data; name="tag_list"',
      '',
      'a',
      '--x',
      'Content-Disposition: form-data; name="tag_list"',
      '',
      'b',
      '--x--',
      '',
    ].join('\r\n');
    const response = await rest({
      method: 'PUT',
      path: `/api/v4/runners/${runnerId}`,
      headers: { 'private-token': admin, 'content-type': 'multipart/form-data; boundary=x' },
      body: Buffer.from(body),
    });
    expect(response.status).toBe(200);
    expect((response.json as { tag_list: string[] }).tag_list).toEqual(['a', 'b']);
  });

  it('an If-Unmodified-Since in the year 100000 is ignored like any unparseable date (it reached the Time scalar)', async () => {
    const { runner } = await createRunner(server.db);
    const response = await rest({
      method: 'DELETE',
      path: `/api/v4/runners/${runner.id}`,
      headers: { 'private-token': admin, 'if-unmodified-since': 'Sat, 01 Jan 100000 00:00:00 GMT' },
    });
    expect(response.status).toBe(204);
  });

  it('a keyset cursor that is not one is a 400, not a 500', async () => {
    const response = await rest({
      method: 'GET',
      path: `/api/v4/runners/${runnerId}/jobs?pagination=keyset&cursor=%F3%B9%B8%B3`,
      headers: { 'private-token': admin },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ message: expect.stringMatching(/^400 Bad request - Invalid cursor/) });
  });

  it('GraphQL: variables that do not coerce, and subscriptions, carry a code', async () => {
    const json = (payload: unknown) => ({
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(payload)),
    });
    const badTime = await graphql(
      json({
        query: 'mutation($input: RunnerDeleteInput!) { runnerDelete(input: $input) { errors } }',
        variables: { input: { id: runnerGid(runnerId), unmodifiedSince: '2024-13-01T00:00:00Z' } },
      }),
    );
    expect((badTime.json as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const subscription = await graphql(json({ query: 'subscription { x }' }));
    expect(subscription.json).toMatchObject({ errors: [{ extensions: { code: expect.any(String) } }] });
  });

  it('GraphQL: bodies refused before execution are still GraphQL errors (invalid JSON, too large, unknown type, other methods)', async () => {
    const cases: [Omit<RawRequest, 'path'>, number][] = [
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from('{') }, 400],
      [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify({ query: 'x'.repeat(1_048_600) })),
        },
        413,
      ],
      [{ method: 'POST', headers: { 'content-type': 'text/plain', 'x-requested-with': 'test' }, body: Buffer.from('{ __typename }') }, 415],
      [{ method: 'PUT', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"query":"{ __typename }"}') }, 405],
    ];
    for (const [request, status] of cases) {
      const response = await graphql(request);
      expect(response.status).toBe(status);
      expect(response.json).toMatchObject({ errors: [{ message: expect.any(String), extensions: { code: expect.any(String) } }] });
    }
  });

  it('GraphQL: a mutation whose answer the client cannot accept is refused before it runs (it ran, then got a 406)', async () => {
    const response = await graphql({
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', accept: 'image/png' },
      body: Buffer.from(
        JSON.stringify({ query: `mutation { runnerUpdate(input: { id: "${runnerGid(runnerId)}", description: "changed" }) { errors } }` }),
      ),
    });
    expect(response.status).toBe(406);
    expect(response.json).toMatchObject({ errors: [{ extensions: { code: 'NOT_ACCEPTABLE' } }] });
    expect((await server.db.runner.findUniqueOrThrow({ where: { id: runnerId } })).description).toBe('kept');
  });

  it("GraphQL: a runner's projects page with no project field read (Prisma refused the empty select)", async () => {
    const response = await graphql({
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: Buffer.from(
        JSON.stringify({ query: `{ runner(id: "${runnerGid(runnerId)}") { projects { pageInfo { hasNextPage } edges { cursor } } } }` }),
      ),
    });
    expect(response.json).toEqual({ data: { runner: { projects: { pageInfo: { hasNextPage: false }, edges: [] } } } });
  });
});
