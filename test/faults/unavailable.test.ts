import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { type Database, openPostgres } from '../../src/db/client.ts';
import { DEFAULT_RATE_LIMITS } from '../../src/http/rate-limit.ts';

const POOL_TIMEOUT_MS = 600;

/**
 * A database that cannot be reached answers every request 503, quickly: REST in GitLab's shape, GraphQL with
 * SERVICE_UNAVAILABLE and HTTP 503, readiness 503. Two ways to be unreachable: nothing listens (connection
 * refused, at once), and a server that accepts connections but never answers (bounded by DB_POOL_TIMEOUT_MS).
 * Needs no PostgreSQL, so it runs on every CI pass.
 */
describe.each([
  { kind: 'refusing connections', silent: false },
  { kind: 'accepting connections but never answering', silent: true },
])('a database $kind', ({ silent }) => {
  let listener: net.Server;
  const sockets = new Set<net.Socket>();
  let database: Database;
  let app: ReturnType<typeof buildApp>;
  let url: string;

  beforeAll(async () => {
    // A port of our own: listening and silent, or closed again so that nothing listens there.
    listener = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    if (!silent) await new Promise<void>((resolve) => listener.close(() => resolve()));
    database = await openPostgres(`postgresql://postgres@127.0.0.1:${port}/none`, { connectionTimeoutMillis: POOL_TIMEOUT_MS, max: 2 });
    app = buildApp({ database, settings: { externalUrl: 'http://gitlab.test' }, rateLimits: { ...DEFAULT_RATE_LIMITS, enabled: false } });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    for (const socket of sockets) socket.destroy();
    if (silent) await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  async function timed(path: string, init?: RequestInit) {
    const started = Date.now();
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    return { response, elapsed: Date.now() - started, body: text ? (JSON.parse(text) as unknown) : null };
  }

  const bound = POOL_TIMEOUT_MS + 1_500;

  it('REST answers 503 {"message":"503 Service Unavailable"}, as application/json, within the pool timeout', async () => {
    for (const [path, init] of [
      ['/api/v4/user', { headers: { 'private-token': 'glpat-whatever' } }],
      ['/api/v4/runners/all', { headers: { 'private-token': 'glpat-whatever' } }],
      ['/api/v4/runners/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"glrt-x"}' }],
      ['/api/v4/runners', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"GR1348941x"}' }],
    ] as const) {
      const { response, elapsed, body } = await timed(path, init);
      expect({ path, status: response.status, body }).toEqual({ path, status: 503, body: { message: '503 Service Unavailable' } });
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(elapsed).toBeLessThan(bound);
    }
  });

  it('GraphQL answers HTTP 503 with SERVICE_UNAVAILABLE, for a query with a token and a mutation without one', async () => {
    for (const [headers, query] of [
      [{ authorization: 'Bearer glpat-whatever' }, '{ currentUser { username } }'],
      [{}, 'mutation { runnerVerify(input: { token: "glrt-x" }) { errors } }'],
    ] as const) {
      const { response, elapsed, body } = await timed('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      });
      expect(response.status, query).toBe(503);
      const errors = (body as { errors: { extensions: Record<string, unknown> }[] }).errors;
      expect(errors.map((error) => error.extensions.code)).toContain('SERVICE_UNAVAILABLE');
      expect(errors.every((error) => error.extensions.code !== 'INTERNAL_SERVER_ERROR' && !('http' in error.extensions))).toBe(true);
      expect(elapsed).toBeLessThan(bound);
    }
  });

  it('readiness is 503 and liveness 200', async () => {
    const readiness = await timed('/-/readiness');
    expect(readiness.response.status).toBe(503);
    expect(readiness.elapsed).toBeLessThan(bound);
    expect((await timed('/-/liveness')).response.status).toBe(200);
  });
});
