import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PrincipalCache } from '../auth/principals.ts';
import { authenticate, type Viewer } from '../auth/viewer.ts';
import type { Db } from '../db/client.ts';
import type { DataVersions } from '../db/data-version.ts';
import { readToken } from '../graphql/context.ts';
import type { AnswerCache, KeptAnswer } from './answer-cache.ts';

export interface ConditionalOptions {
  readonly db: Db;
  /** The data version, read (for If-None-Match) or as last read (for a plain GET's ETag). */
  readonly versions: DataVersions;
  readonly principals?: PrincipalCache;
  /** Path prefixes whose GET answers carry an ETag (the REST API, the GraphQL endpoints). */
  readonly prefixes: readonly string[];
  /** Answers kept by ETag, shared by every request that names the same (see AnswerCache); none: each is computed. */
  readonly answers?: AnswerCache;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The ETag of this GET's answer, should it succeed (see conditionalRequests). */
    etag?: string;
    /** The headers the answer had before its route ran (request id, CORS…): they are not the answer's to keep. */
    headersBefore?: ReadonlySet<string>;
    /** Hands this request's answer to the requests waiting for the same ETag (see AnswerCache.computing). */
    shareAnswer?: (answer?: KeptAnswer) => void;
  }
}

/**
 * Conditional requests, as GitLab's ETag caching of its polling endpoints: every successful GET of the APIs answers
 * an `ETag`, and a GET whose `If-None-Match` names the current one is answered `304 Not Modified` before anything
 * else runs (no GraphQL operation, no rows read: the token, usually cached, and one statement for the version).
 *
 * The ETag digests a data version read before the answer is computed (see currentDataVersion: any committed write
 * on any replica moves it), who asks (the token, its user, admin flag and scopes: nobody gets a 304 for somebody
 * else's view) and what they ask (the URL with its query, the host and scheme links
 * are built from, the accepted media types). A request that fails to authenticate is left to the route, which
 * answers the refusal.
 *
 * A request with `If-None-Match` reads the version for itself, so a 304 never hides an acknowledged write. A plain GET
 * reads none while this process hears the version's bumps: its ETag names the version last read (DataVersions), which
 * its answer is at least as new as; at worst the client's next conditional request gets one 200 more. That saves a
 * statement (about a tenth of the CPU of a one-runner GET) on every GET of a client that does not poll.
 *
 * A successful GET's answer is kept under its ETag (`answers`), and a conditional request whose ETag, computed on the
 * version it read, names a kept answer is sent that answer without running its route: pollers of one view share one
 * computation per data version. An answer kept under a version is at least as new as that version (the version is
 * read before the answer is computed), so it is never older than what the request's own version read allows. A
 * conditional request for an ETag whose answer another request is computing waits for that answer.
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
    let token: string | null;
    try {
      token = readToken(request.headers, request.query as { private_token?: unknown });
      [viewer, version] = await Promise.all([
        token ? authenticate(options.db, token, () => {}, options.principals) : null,
        ifNoneMatch ? options.versions.current() : options.versions.atMostCurrent(),
      ]);
    } catch {
      return; // a refused token or an unavailable database: the route answers it as it always does
    }
    const etag = etagOf(request, token, viewer, version, accept);
    if (matches(ifNoneMatch, etag)) return notModified(reply, etag);
    request.etag = etag;
    if (!options.answers || request.method !== 'GET') return;
    // Only on a version read for this request: a plain GET's version may predate a write another replica acknowledged.
    const found = ifNoneMatch ? options.answers.find(etag) : undefined;
    const kept = found instanceof Promise ? await found : found;
    if (kept) return reply.status(200).headers(kept.headers).send(kept.body);
    request.headersBefore = new Set(Object.keys(reply.getHeaders()));
    request.shareAnswer = options.answers.computing(etag);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.etag) return payload;
    const share = request.shareAnswer;
    const before = request.headersBefore;
    if (reply.statusCode !== 200) share?.();
    else {
      reply.header('etag', request.etag);
      const whole = typeof payload === 'string' || Buffer.isBuffer(payload);
      share?.(before && whole ? { headers: answerHeaders(reply, before), body: Buffer.from(payload) } : undefined);
    }
    return payload;
  });
  // An answer that never reached onSend (the route failed, the client went away): whoever waits for it computes.
  app.addHook('onResponse', async (request) => request.shareAnswer?.());
  app.addHook('onRequestAbort', async (request) => request.shareAnswer?.());
}

/** The headers the route set for its answer; framing (length) and the ETag are the sender's. */
function answerHeaders(reply: FastifyReply, before: ReadonlySet<string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (before.has(name) || name === 'content-length' || name === 'etag' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

function etagOf(request: FastifyRequest, token: string | null, viewer: Viewer | null, version: string, accept: string): string {
  // The token itself, not only its user and scopes: what one token was answered is never handed to another.
  const who = viewer ? `${viewer.id}:${viewer.admin}:${[...viewer.scopes].sort().join(',')}:${token}` : 'anonymous';
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
