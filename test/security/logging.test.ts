import { describe, expect, it, vi } from 'vitest';
import { createUser } from '../support/factories.ts';
import { type RunningApp, startApp } from './app.ts';
import type { Json } from '../support/json.ts';

const lines: string[] = [];
const app: RunningApp = await startApp({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
const logged = () => lines.join('');

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${app.url}${path}`, init);
  // The parsed JSON answer; the scenario reads the fields it needs (tokens) from it.
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => null)) as Json };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('logs', () => {
  it('never contain a token, however it was sent, in a full scenario', async () => {
    const admin = await createUser(app.db, { admin: true });
    const tokens = [admin.token];
    const gql = async (query: string, token?: string) => (await app.graphql(query, {}, token)).body.data;

    // A personal access token in each place GitLab reads one.
    await call(`/graphql?query=${encodeURIComponent('{ currentUser { id } }')}&private_token=${admin.token}`);
    await call('/api/v4/runners/all', { headers: { 'private-token': admin.token } });
    const registration = (await gql('mutation { runnersRegistrationTokenReset(input: { type: INSTANCE_TYPE }) { token } }', admin.token))
      .runnersRegistrationTokenReset.token;
    tokens.push(registration);

    // Runner tokens in form bodies, JSON bodies, query strings and paths.
    const registered = await call('/api/v4/runners', form({ token: registration, description: 'logged' }));
    expect(registered.status).toBe(201);
    tokens.push(registered.body.token);
    const verified = await call('/api/v4/runners/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: registered.body.token }),
    });
    expect(verified.status).toBe(200);
    const reset = await call('/api/v4/runners/reset_authentication_token', form({ token: registered.body.token }));
    expect(reset.status).toBe(201);
    tokens.push(reset.body.token);
    await call(`/api/v4/runners/${reset.body.token}`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect((await call(`/api/v4/runners?token=${reset.body.token}`, { method: 'DELETE' })).status).toBe(204);
    // A refused token, and a mutation carrying one in its text.
    await call('/api/v4/user', { headers: { 'private-token': 'glpat-refused-token-value' } });
    tokens.push('glpat-refused-token-value');
    await gql(`mutation { runnerVerify(input: { token: "${reset.body.token}" }) { token } }`);

    // Whatever else logs a token-shaped string (GitLab's prefixes): an error, a message.
    app.log.error({ err: new Error(`could not use ${admin.token}`) }, `token ${reset.body.token} in a message`);

    const output = logged();
    for (const token of tokens) expect(output).not.toContain(token);
    expect(output).not.toMatch(/(glpat-|glrt-|GR1348941)(?!\[REDACTED\])[\w-]/);
    expect(output).toContain('[REDACTED]');
    // The scenario was logged, as structured lines with request ids.
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const urls = entries.map((entry) => (entry.req as { url?: string } | undefined)?.url).filter(Boolean);
    expect(urls).toContain('/api/v4/runners/verify');
    expect(urls).toContain('/graphql?query=%7B+currentUser+%7B+id+%7D+%7D&private_token=[REDACTED]');
    expect(urls).toContain('/api/v4/runners?token=[REDACTED]');
    expect(entries.filter((entry) => entry.req).every((entry) => typeof entry.request_id === 'string')).toBe(true);
    expect(output).toContain('could not use glpat-[REDACTED]');
    expect(output).toContain('token t1_[REDACTED] in a message');
  });

  it("honours the caller's X-Request-Id, echoes it, and logs it; otherwise generates one", async () => {
    const traced = await call('/-/liveness', { headers: { 'x-request-id': 'trace-42.a_b:c' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-42.a_b:c');
    const requestLines = lines
      .map((line) => JSON.parse(line) as { request_id?: string; msg?: string })
      .filter((e) => e.request_id === 'trace-42.a_b:c');
    expect(requestLines.map((entry) => entry.msg)).toEqual(['request completed']);

    for (const refused of ['has spaces', 'x'.repeat(129), 'quote"d']) {
      const res = await call('/-/liveness', { headers: { 'x-request-id': refused } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const generated = await call('/api/v4/runners');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('request lines', () => {
  const lineFor = (id: string) =>
    lines.map((line) => JSON.parse(line) as Record<string, Json>).filter((entry) => entry.request_id === id && entry.req);

  it('are one per request, with method, path, status, duration, the user and the GraphQL operation', async () => {
    const { user, token } = await createUser(app.db);
    await app.graphql('query WhoAmI { currentUser { id } }', {}, token, { 'x-request-id': 'line-graphql' });
    await call('/api/v4/user', { headers: { 'private-token': token, 'x-request-id': 'line-rest' } });
    await call('/api/v4/runners/1', { method: 'PATCH', headers: { 'x-request-id': 'line-anonymous' } });
    // The line is written once the answer has gone, so it may trail the response by a moment.
    await vi.waitFor(() => expect(lineFor('line-anonymous')).toHaveLength(1));

    const [graphql] = lineFor('line-graphql');
    expect(lineFor('line-graphql')).toHaveLength(1);
    expect(graphql).toMatchObject({
      msg: 'request completed',
      req: { method: 'POST', url: '/graphql' },
      res: { statusCode: 200 },
      user_id: user.id,
      graphql_operation: 'WhoAmI',
    });
    expect(graphql?.responseTime).toBeGreaterThan(0);
    expect(lineFor('line-rest')).toEqual([
      expect.objectContaining({
        req: expect.objectContaining({ method: 'GET', url: '/api/v4/user' }),
        res: { statusCode: 200 },
        user_id: user.id,
      }),
    ]);
    const [anonymous] = lineFor('line-anonymous');
    expect(anonymous).toMatchObject({ req: { method: 'PATCH', url: '/api/v4/runners/1' }, res: { statusCode: 405 } });
    expect(anonymous).not.toHaveProperty('user_id');
    expect(anonymous).not.toHaveProperty('graphql_operation');
  });
});
