import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ROOT } from '../root.ts';

/** Where `npm run build:web` (run by `npm ci`) writes the dashboard (web/), and the path its assets are served at. */
export const DASHBOARD_BUILD = join(ROOT, 'dist', 'web');
const ASSETS = '/-/dashboard/assets';

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The page may load and call nothing but this server: a CDN, web font or tracker added by mistake is refused by the
 * browser too, not only left out of the build. ('self' covers this server's WebSocket in current browsers.)
 */
export const DASHBOARD_CSP =
  "default-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

export interface Dashboard {
  readonly page: string;
  readonly assets: ReadonlyMap<string, { type: string; body: Buffer }>;
}

/** The built dashboard, read once; null when it was not built (then `/` shows the plain home page, which says so). */
export function loadDashboard(folder = DASHBOARD_BUILD): Dashboard | null {
  const index = join(folder, 'index.html');
  if (!existsSync(index)) return null;
  const assets = new Map<string, { type: string; body: Buffer }>();
  const assetFolder = join(folder, 'assets');
  for (const name of existsSync(assetFolder) ? readdirSync(assetFolder) : []) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { type, body: readFileSync(join(assetFolder, name)) });
  }
  return { page: readFileSync(index, 'utf8'), assets };
}

/** Serves the dashboard's hashed assets: a name is a content hash, so they may be cached for good. */
export function dashboardAssets(app: FastifyInstance, dashboard: Dashboard): void {
  app.get<{ Params: { name: string } }>(`${ASSETS}/:name`, async (request, reply) => {
    const asset = dashboard.assets.get(request.params.name);
    if (!asset) return reply.status(404).send({ message: '404 Not Found', error: 'Not Found', statusCode: 404 });
    return reply.header('cache-control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body);
  });
}
