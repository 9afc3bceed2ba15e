import type { FastifyInstance } from 'fastify';

/** A registered path, as a pattern over its segments (`:id` and `*` match any one segment or the rest). */
interface KnownPath {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

function compile(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}/?$`);
}

/**
 * Every route the server registers, so that a known path called with another method is answered 405 with
 * `Allow` (as GitLab's Grape does), not 404. Fed by Fastify's onRoute hook, which sees every route, HEAD ones too.
 */
export class KnownPaths {
  private readonly paths = new Map<string, KnownPath>();

  /** Must run before any route is registered. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      // The CORS plugin's catch-all OPTIONS route answers preflights; it makes no path known.
      if (route.url === '*' || route.url === '/*') return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const known = this.paths.get(route.url) ?? { pattern: compile(route.url), methods: new Set<string>() };
      for (const method of methods) known.methods.add(method);
      this.paths.set(route.url, known);
    });
  }

  /** The methods a path answers to, sorted; empty for a path the server does not know. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const known of this.paths.values()) if (known.pattern.test(path)) for (const method of known.methods) methods.add(method);
    return [...methods].sort();
  }
}
