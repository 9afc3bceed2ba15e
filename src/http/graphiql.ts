import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphiQLOptions } from 'graphql-yoga';

/** Where the page's script, styles and Monaco's editor workers are served from: this server, never a CDN. */
const ASSETS = '/-/graphiql';
const ONE_DAY = 'public, max-age=86400';

/** Ours, as an SVG: a runner's gear. Also answers /favicon.ico, which browsers ask for on their own. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#1f75cb"/><circle cx="32" cy="32" r="15" fill="none" stroke="#fff" stroke-width="7" stroke-dasharray="8 4.5"/><circle cx="32" cy="32" r="6" fill="#fff"/></svg>`;

/** The first tab a visitor sees: a query that works for any user, and where the token goes. */
export const EXAMPLE_QUERY = `# Runners Gateway: GitLab's CI runners,
# over GraphQL.
#
# Paste your personal access token
# between the quotes of PRIVATE-TOKEN
# (Headers, below), then run this with
# Ctrl-Enter. Administrators can list
# every runner with \`runners\`; Docs
# shows the whole schema.
query MyRunners {
  currentUser {
    username
    runners(first: 10) {
      count
      nodes {
        id
        description
        runnerType
        status
        paused
        tagList
        contactedAt
      }
    }
  }
}
`;

/**
 * Where the token goes. Empty, not a placeholder text: GraphiQL sends these headers with its schema introspection
 * too, and a placeholder would be refused as an invalid token where an empty header is no token at all.
 */
export const TOKEN_HEADERS = JSON.stringify({ 'PRIVATE-TOKEN': '' }, null, 2);

/** GraphiQL's settings for a page served at `request`'s path (so /api/graphql's page queries /api/graphql). */
export function graphiqlOptions(request: { url: string }): GraphiQLOptions {
  return {
    title: 'Runners Gateway · GraphiQL',
    endpoint: new URL(request.url, 'http://localhost').pathname,
    defaultTabs: [{ query: EXAMPLE_QUERY, headers: TOKEN_HEADERS, variables: null }],
    // The template in the first tab's headers editor, and in every new tab's.
    headers: TOKEN_HEADERS,
    defaultHeaders: TOKEN_HEADERS,
    defaultEditorToolsVisibility: 'headers',
    // Tokens typed into the headers editor stay in the tab, never in the browser's storage.
    shouldPersistHeaders: false,
  };
}

/** JSON that is safe inside a <script> element: no "</script>" or "<!--" can close or comment it out. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** The page: Yoga's GraphiQL bundle, loaded from our own asset routes instead of inlined or fetched from a CDN. */
export function renderGraphiQLPage(options: GraphiQLOptions = {}): string {
  const title = (options.title ?? 'GraphiQL').replace(/[<&>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="${ASSETS}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to use GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: function (_moduleId, label) {
          return { editorWorkerService: '${ASSETS}/editor.worker.js', json: '${ASSETS}/json.worker.js', graphql: '${ASSETS}/graphql.worker.js' }[label];
        },
      };
    </script>
    <script src="${ASSETS}/graphiql.js"></script>
    <script>YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});</script>
  </body>
</html>
`;
}

/**
 * Serves GraphiQL's assets from the npm package that bundles them (@graphql-yoga/render-graphiql), so the page
 * works without internet. The bundle (9 MB) is loaded only when GraphiQL is on, at start-up.
 */
export async function graphiqlAssets(app: FastifyInstance): Promise<void> {
  const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
  const assets: Record<string, { type: string; body: string }> = {
    'graphiql.js': { type: 'application/javascript; charset=utf-8', body: bundle.js },
    'graphiql.css': { type: 'text/css; charset=utf-8', body: bundle.css },
    'editor.worker.js': { type: 'application/javascript; charset=utf-8', body: bundle.editorWorkerService },
    'json.worker.js': { type: 'application/javascript; charset=utf-8', body: bundle.jsonWorker },
    'graphql.worker.js': { type: 'application/javascript; charset=utf-8', body: bundle.graphqlWorker },
  };
  for (const [name, asset] of Object.entries(assets)) {
    const body = Buffer.from(asset.body);
    app.get(`${ASSETS}/${name}`, async (_request, reply) => reply.header('cache-control', ONE_DAY).type(asset.type).send(body));
  }
}

/** Our icon, for every page of the server. */
export function faviconRoutes(app: FastifyInstance): void {
  const icon = Buffer.from(FAVICON);
  const send = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', ONE_DAY).type('image/svg+xml').send(icon);
  app.get('/favicon.svg', send);
  app.get('/favicon.ico', send);
}
