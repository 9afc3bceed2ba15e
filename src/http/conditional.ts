import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PrincipalCache } from '../auth/principals.ts';
import { authenticate, type Viewer } from '../auth/viewer.ts';
import type { Db } from '../db/client.ts';
import type { DataVersions } from '../db/data-version.ts';
import { readToken } from '../graphql/context.ts';

export interface ConditionalOptions {
  readonly db: Db;
  /** The data version, read (for If-None-Match) or as last read (for a plain GET's ETag). */
  readonly versions: DataVersions;
  readonly principals?: PrincipalCache;
  /** Path prefixes whose GET answers carry an ETag (the REST API, the GraphQL endpoints). */
  readonly prefixes: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The ETag of this GET's answer, should it succeed (see conditionalRequests). */
    etag?: string;
  }
}

/**
 * Conditional requests, as GitLab's ETag caching of its polling endpoints: every successful GET of the APIs answers
 * an `ETag`, and a GET whose `If-None-Match` names the current one is answered `304 Not Modified` before anything
 * else runs (no GraphQL operation, no rows read: the token, usually cached, and one statement for the version).
 *
 * The ETag digests a data version read before the answer is computed (see currentDataVersion: any committed write
 * on any replica moves it), who asks (user, admin flag and token scopes:
 * nobody gets a 304 for somebody else's view) and what they ask (the URL with its query, the host and scheme links
 * are built from, the accepted media types). A request that fails to authenticate is left to the route, which
 * answers the refusal.
 *
 * A request with `If-None-Match` reads the version for itself, so a 304 never hides an acknowledged write. A plain GET
 * reads none while this process hears the version's bumps: its ETag names the version last read (DataVersions), which
 * its answer is at least as new as; at worst the client's next conditional request gets one 200 more. That saves a
 * statement (about a tenth of the CPU of a one-runner GET) on every GET of a client that does not poll.
 */
export function conditionalRequests(app: FastifyInstance, options: ConditionalOptions): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const path = request.url.split('?')[0] ?? '';
    if (!options.prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return;
    const accept = request.headers.accept ?? '';
    // A GraphQL subscription over SSE is a stream, not an answer to cache; GraphiQL's page is not an API answer.
    if (accept.includes('text/event-stream') || accept.startsWith('text/html')) return;
    const ifNoneMatch = request.headers['if-none-match'];
    let viewer: Viewer | null;
    let version: string;
    try {
      const token = readToken(request.headers, request.query as { private_token?: unknown });
      [viewer, version] = await Promise.all([
        token ? authenticate(options.db, token, () => {}, options.principals) : null,
        ifNoneMatch ? options.versions.current() : options.versions.atMostCurrent(),
      ]);
    } catch {
      return; // a refused token or an unavailable database: the route answers it as it always does
    }
    const etag = etagOf(request, viewer, version, accept);
    if (matches(ifNoneMatch, etag)) return notModified(reply, etag);
    request.etag = etag;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.etag && reply.statusCode === 200) reply.header('etag', request.etag);
    return payload;
  });
}

function etagOf(request: FastifyRequest, viewer: Viewer | null, version: string, accept: string): string {
  const who = viewer ? `${viewer.id}:${viewer.admin}:${[...viewer.scopes].sort().join(',')}` : 'anonymous';
  const digest = createHash('sha256')
    .update([version, who, request.protocol, request.host, request.url, accept].join('\n'))
    .digest('base64url')
    .slice(0, 27);
  return `W/"${digest}"`;
}

/** `If-None-Match`: a list of entity tags, or `*`; compared weakly, as RFC 9110 wants for GET. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === opaque;
  });
}

function notModified(reply: FastifyReply, etag: string): FastifyReply {
  return reply.status(304).header('etag', etag).send();
}
