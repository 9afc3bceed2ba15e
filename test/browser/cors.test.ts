import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { resetRegistrationToken } from '../../src/services/tokens.ts';
import { startApp } from '../security/app.ts';
import { createUser } from '../support/factories.ts';
import { chromiumInstalled, openBrowser } from './chromium.ts';

const installed = chromiumInstalled();

/** A frontend app's page, served from its own origin: `localhost` is another origin than the API's `127.0.0.1`. */
async function servePage(): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>A frontend app</title><p>app</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

describe.runIf(installed)('a frontend app on another origin, in a real browser', () => {
  it('changes runners with PUT and DELETE on /api/v4 and queries POST /graphql with a token; other origins cannot', async () => {
    const appOrigin = await servePage();
    const api = await startApp({ corsOrigins: [appOrigin] });
    const { token } = await createUser(api.db, { admin: true });
    const registration = await resetRegistrationToken(api.db, { kind: 'instance' });
    const register = async () =>
      (
        (await (
          await fetch(`${api.url}/api/v4/runners`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: registration }),
          })
        ).json()) as { id: number }
      ).id;
    const [edited, deleted] = [await register(), await register()];

    const otherOrigin = appOrigin.replace('localhost', '127.0.0.1');
    const { context, leaks } = await openBrowser([appOrigin, otherOrigin, api.url], { intercept: false });
    const page = await context.newPage();
    await page.goto(`${appOrigin}/`);
    const calls = await page.evaluate(
      async ({ base, token, edited, deleted }) => {
        const answer = async (response: Promise<Response>) => {
          const res = await response;
          return { status: res.status, body: await res.text() };
        };
        const headers = { 'PRIVATE-TOKEN': token, 'Content-Type': 'application/json', 'X-Request-Id': 'from-the-app' };
        return {
          put: await answer(
            fetch(`${base}/api/v4/runners/${edited}`, {
              method: 'PUT',
              headers,
              body: JSON.stringify({ description: 'edited in a browser' }),
            }),
          ),
          del: await answer(fetch(`${base}/api/v4/runners/${deleted}`, { method: 'DELETE', headers: { 'PRIVATE-TOKEN': token } })),
          graphql: await answer(
            fetch(`${base}/graphql`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
              body: JSON.stringify({ query: `{ runner(id: "gid://gitlab/Ci::Runner/${edited}") { description } }` }),
            }),
          ),
          link: await fetch(`${base}/api/v4/runners/all?per_page=1`, { headers }).then((res) => res.headers.get('link')),
        };
      },
      { base: api.url, token, edited, deleted },
    );
    expect(calls.put.status).toBe(200);
    expect(JSON.parse(calls.put.body)).toMatchObject({ id: edited, description: 'edited in a browser' });
    expect(calls.del).toEqual({ status: 204, body: '' });
    expect(JSON.parse(calls.graphql.body)).toEqual({ data: { runner: { description: 'edited in a browser' } } });
    // Exposed headers are readable by the app.
    expect(calls.link).toContain('rel="first"');
    expect(await api.db.runner.findUnique({ where: { id: deleted } })).toBeNull();

    // The same page from an origin that is not configured cannot call the API at all.
    const other = await context.newPage();
    await other.goto(`${otherOrigin}/`);
    const refused = await other.evaluate(
      async ({ base, token, edited }) => {
        try {
          const res = await fetch(`${base}/api/v4/runners/${edited}`, { method: 'DELETE', headers: { 'PRIVATE-TOKEN': token } });
          return `answered ${res.status}` as string;
        } catch (error) {
          return `blocked: ${(error as Error).name}`;
        }
      },
      { base: api.url, token, edited },
    );
    expect(refused).toBe('blocked: TypeError');
    expect(await api.db.runner.findUnique({ where: { id: edited } })).not.toBeNull();
    expect(leaks).toEqual([]);
  }, 90_000);
});
