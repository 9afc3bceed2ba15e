import { describe, expect, it } from 'vitest';
import { createUser } from './support/factories.ts';
import { useTestServer } from './support/server.ts';

const server = useTestServer();

describe('the HTTP server', () => {
  it('serves GraphiQL at /graphql to browsers', async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('graphiql');
  });

  it('accepts the token as PRIVATE-TOKEN, as a Bearer token, and as ?private_token=', async () => {
    const { user, token } = await createUser(server.db);
    const query = encodeURIComponent('{ currentUser { username } }');
    const viaHeader = await fetch(`${server.url}/graphql?query=${query}`, { headers: { 'private-token': token } });
    const viaParam = await fetch(`${server.url}/graphql?query=${query}&private_token=${token}`);
    const viaBearer = await server.graphql('{ currentUser { username } }', {}, token);
    for (const body of [await viaHeader.json(), await viaParam.json(), viaBearer]) {
      expect(body).toMatchObject({ data: { currentUser: { username: user.username } } });
    }
  });

  it('answers CORS preflights for configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/api/v4/runners`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'private-token' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('private-token');
    const refused = await preflight('https://evil.example.com');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reports liveness, and readiness from the database', async () => {
    expect(await (await fetch(`${server.url}/-/liveness`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/-/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });
  });

  it('GET /api/v4/user answers the current user, as GitLab clients check first', async () => {
    const { user, token } = await createUser(server.db, { admin: true });
    const res = await server.rest('GET', '/user', { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, username: user.username, email: user.email, is_admin: true, state: 'active' });
    expect((await server.rest('GET', '/user')).status).toBe(401);
  });
});
