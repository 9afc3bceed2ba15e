import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { resetRegistrationToken } from '../src/services/tokens.ts';
import { DASHBOARD_CSP } from '../src/http/dashboard.ts';
import { startApp } from './security/app.ts';
import { createUser } from './support/factories.ts';
import { useTestServer } from './support/server.ts';

const server = useTestServer();

describe("GitLab's paths and answers", () => {
  it('answers a known path called with another method 405, with Allow, as Grape does', async () => {
    const { token } = await createUser(server.db, { admin: true });
    const patch = await server.rest('PATCH', '/runners/1', { token, json: { description: 'x' } });
    expect(patch.status).toBe(405);
    expect(patch.body).toEqual({ error: '405 Not Allowed' });
    expect(patch.headers.get('allow')).toBe('DELETE, GET, HEAD, PUT, OPTIONS');
    const post = await fetch(`${server.url}/-/liveness`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    // A plain OPTIONS (no CORS preflight) lists the methods too.
    const options = await fetch(`${server.url}/api/v4/runners/all`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('DELETE, GET, HEAD, PUT, OPTIONS');
    // Unknown paths stay 404.
    expect((await server.rest('PATCH', '/nothing/here')).status).toBe(404);
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
  });

  it('serves GraphQL at /api/graphql as well, as GitLab does', async () => {
    const { user, token } = await createUser(server.db);
    const post = await fetch(`${server.url}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'private-token': token },
      body: JSON.stringify({ query: '{ currentUser { username } }' }),
    });
    expect(await post.json()).toEqual({ data: { currentUser: { username: user.username } } });
    const get = await fetch(`${server.url}/api/graphql?query=${encodeURIComponent('{ currentUser { username } }')}`, {
      headers: { 'private-token': token },
    });
    expect(await get.json()).toEqual({ data: { currentUser: { username: user.username } } });
    const page = await fetch(`${server.url}/api/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('"endpoint":"/api/graphql"');
  });

  it("answers GET /api/v4/version and /api/v4/metadata in GitLab's shape, to authenticated users", async () => {
    const { token } = await createUser(server.db);
    for (const path of ['/version', '/metadata']) {
      const res = await server.rest('GET', path, { token });
      expect(res.status).toBe(200);
      expect(res.text).toBe(
        '{"version":"17.5.0","revision":"runners-gateway","kas":{"enabled":false,"externalUrl":null,"externalK8sProxyUrl":null,"version":null},"enterprise":false}',
      );
      expect((await server.rest('GET', path)).status).toBe(401);
    }
  });

  it('says at / what the server is, with links to GraphiQL and the OpenAPI document', async () => {
    const json = await fetch(`${server.url}/`);
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({ name: 'Runners Gateway', links: { graphiql: '/graphql', openapi: '/api/v4/openapi.json' } });
    const html = await (await fetch(`${server.url}/`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('<a href="/graphql">GraphiQL</a>');
    expect(html).toContain('<a href="/api/v4/openapi.json">OpenAPI document</a>');
  });

  it('serves the fleet dashboard at / to browsers, every asset from this server, the page allowed to reach nothing else', async () => {
    const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    const html = await page.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(references.filter((reference) => reference.startsWith('/-/dashboard/assets/'))).toHaveLength(2);
    // The page's own links (GraphiQL, the OpenAPI document) are tested above; these are what it loads.
    for (const reference of references.filter((reference) => reference.startsWith('/-/') || reference.startsWith('/favicon'))) {
      const asset = await fetch(`${server.url}${reference}`);
      expect(asset.status, reference).toBe(200);
    }
    expect(html).not.toMatch(/https?:\/\//);
    const missing = await fetch(`${server.url}/-/dashboard/assets/nothing.js`);
    expect(missing.status).toBe(404);
  });

  it('without a built dashboard, shows browsers the plain home page and how to build it', async () => {
    const app = await startApp({ dashboard: null });
    const html = await (await fetch(`${app.url}/`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('<a href="/graphql">GraphiQL</a>');
    expect(html).toContain('run <code>npm run build:web</code>');
  });
});

describe('GraphiQL', () => {
  it('is a page of our own whose every asset, icon and editor worker comes from this server', async () => {
    const page = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('<title>Runners Gateway · GraphiQL</title>');
    const references = [...page.matchAll(/(?:src|href)="([^"]+)"|'(\/-\/graphiql\/[^']+)'/g)].map((match) => match[1] ?? match[2]);
    expect(references).toEqual(
      expect.arrayContaining(['/favicon.svg', '/-/graphiql/graphiql.css', '/-/graphiql/graphiql.js', '/-/graphiql/editor.worker.js']),
    );
    for (const reference of references) {
      expect(reference).toMatch(/^\//);
      const asset = await fetch(`${server.url}${reference}`);
      expect(asset.status, reference).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, reference).toBeGreaterThan(0);
    }
    expect(page).not.toMatch(/https?:\/\//);
    const icon = await fetch(`${server.url}/favicon.ico`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg /);
  });
});

describe('links in answers', () => {
  async function pagedLinks(app: { url: string; db: Parameters<typeof createUser>[0] }, headers: Record<string, string> = {}) {
    const { token } = await createUser(app.db, { admin: true });
    const registration = await resetRegistrationToken(app.db, { kind: 'instance' });
    for (let i = 0; i < 2; i++) {
      await fetch(`${app.url}/api/v4/runners`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: registration }),
      });
    }
    const list = await call(`${app.url}/api/v4/runners/all?per_page=1`, 'GET', { 'private-token': token, ...headers });
    const gql = await call(
      `${app.url}/graphql`,
      'POST',
      { 'content-type': 'application/json', 'private-token': token, ...headers },
      JSON.stringify({ query: '{ currentUser { webUrl } }' }),
    );
    return {
      link: String(list.headers.link ?? ''),
      webUrl: (JSON.parse(gql.body) as { data: { currentUser: { webUrl: string } } }).data.currentUser.webUrl,
    };
  }

  /** node:http, because fetch does not let a caller name the Host it called. */
  function call(url: string, method: string, headers: Record<string, string>, body?: string) {
    return new Promise<{ headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const req = request(url, { method, headers }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('come from EXTERNAL_URL when it is set', async () => {
    const { link } = await pagedLinks(server);
    expect(link).toContain('<http://gitlab.test/api/v4/runners/all?page=2&per_page=1>; rel="next"');
  });

  it('otherwise come from the host the client called, so clients on other machines follow them back', async () => {
    const app = await startApp({ settings: { externalUrl: null } });
    const port = new URL(app.url).port;
    const { link, webUrl } = await pagedLinks(app, { host: `runners.example.com:${port}` });
    expect(link).toContain(`<http://runners.example.com:${port}/api/v4/runners/all?page=2&per_page=1>; rel="next"`);
    expect(webUrl).toMatch(new RegExp(`^http://runners\\.example\\.com:${port}/`));
    // X-Forwarded-* from a client that is no trusted proxy is ignored.
    const forged = await pagedLinks(app, { 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' });
    expect(forged.link).toContain(`<http://127.0.0.1:${port}/api/v4/runners/all?page=2`);
  });

  it('read X-Forwarded-Proto and X-Forwarded-Host from a trusted proxy (TRUST_PROXY)', async () => {
    const app = await startApp({ settings: { externalUrl: null }, trustProxy: '127.0.0.1' });
    const { link, webUrl } = await pagedLinks(app, { 'x-forwarded-host': 'gitlab.example.com', 'x-forwarded-proto': 'https' });
    expect(link).toContain('<https://gitlab.example.com/api/v4/runners/all?page=2&per_page=1>; rel="next"');
    expect(webUrl).toMatch(/^https:\/\/gitlab\.example\.com\//);
  });
});

describe('CORS for frontend apps on other origins', () => {
  it('allows every method and the documented headers to configured origins, with a max-age', async () => {
    const preflight = await fetch(`${server.url}/api/v4/runners/1`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'private-token,x-request-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PUT, DELETE, OPTIONS');
    expect(
      preflight.headers
        .get('access-control-allow-headers')
        ?.split(', ')
        .map((h) => h.toLowerCase()),
    ).toEqual(expect.arrayContaining(['content-type', 'authorization', 'private-token', 'x-request-id', 'x-graphql-yoga-csrf']));
    expect(preflight.headers.get('access-control-max-age')).toBe('3600');
    const answer = await fetch(`${server.url}/api/v4/runners`, { headers: { origin: 'https://app.example.com' } });
    expect(answer.headers.get('access-control-expose-headers')).toContain('Link');
  });

  it('gives refused origins, and requests without an Origin, no CORS header at all', async () => {
    const cors = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));
    const preflight = await fetch(`${server.url}/api/v4/runners/1`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'DELETE' },
    });
    expect(cors(preflight.headers)).toEqual([]);
    const graphql = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.com', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(cors(graphql.headers)).toEqual([]);
    expect(cors((await fetch(`${server.url}/api/v4/runners`)).headers)).toEqual([]);
  });
});
