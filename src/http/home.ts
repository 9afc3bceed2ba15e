import type { FastifyInstance } from 'fastify';
import { type Dashboard, DASHBOARD_CSP, dashboardAssets } from './dashboard.ts';

/**
 * `GET /`: in a browser, the runner fleet dashboard (web/, see src/http/dashboard.ts); other clients get what this
 * server is and where its APIs are, as JSON. Without a built dashboard browsers get a small page with the same
 * facts and the command that builds it.
 */
export function homeRoute(app: FastifyInstance, { graphiql, dashboard }: { graphiql: boolean; dashboard: Dashboard | null }): void {
  const links = {
    graphql: '/graphql',
    ...(graphiql ? { graphiql: '/graphql' } : {}),
    rest: '/api/v4',
    openapi: '/api/v4/openapi.json',
    version: '/api/v4/version',
  };
  const about = {
    name: 'Runners Gateway',
    description: "A GraphQL gateway over GitLab's CI runners model, with a REST shim that speaks GitLab's api/v4 runners endpoints.",
    links,
  };
  const plainPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Runners Gateway</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #222 }</style>
  </head>
  <body>
    <h1>Runners Gateway</h1>
    <p>${about.description}</p>
    <ul>
      ${graphiql ? '<li><a href="/graphql">GraphiQL</a>: explore the GraphQL API at <code>/graphql</code> (also <code>/api/graphql</code>)</li>' : '<li>GraphQL API: <code>POST /graphql</code> (also <code>/api/graphql</code>)</li>'}
      <li><a href="/api/v4/openapi.json">OpenAPI document</a> of the GitLab REST API at <code>/api/v4</code></li>
    </ul>
    <p>Authenticate with a personal access token in the <code>PRIVATE-TOKEN</code> header.</p>
    <p>The runner fleet dashboard is not built on this install: run <code>npm run build:web</code> (<code>npm ci</code> does it) and restart.</p>
  </body>
</html>
`;
  if (dashboard) dashboardAssets(app, dashboard);
  app.get('/', async (request, reply) => {
    const accept = request.headers.accept ?? '';
    if (!accept.includes('text/html')) return reply.send(about);
    if (!dashboard) return reply.type('text/html; charset=utf-8').send(plainPage);
    return reply
      .header('content-security-policy', DASHBOARD_CSP)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(dashboard.page);
  });
}
