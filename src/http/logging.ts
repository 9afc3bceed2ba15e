import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACTED = '[REDACTED]';

/** GitLab's token prefixes (personal access, runner, registration); secret scanners match the same shapes. */
const TOKEN_LOOKALIKE = /(glpat-|glrt-|GR1348941)[0-9A-Za-z_-]+/g;
/** A runner token registered with a registration token has only its type's prefix (`t1_`…`t3_`) before the secret. */
const REGISTERED_RUNNER_TOKEN = /\b(t[1-3]_)[0-9A-Za-z_-]{20,}/g;
/** Parameters that carry a token, in a URL or a form body, however the log line quotes them. */
const TOKEN_PARAMETER = /([?&](?:private_token|token)=)[^&\s"'\\]+/gi;

/** Removes anything token-shaped from text; the last line of defence, applied to every log line written. */
export function redactSecrets(text: string): string {
  return text
    .replace(TOKEN_LOOKALIKE, `$1${REDACTED}`)
    .replace(REGISTERED_RUNNER_TOKEN, `$1${REDACTED}`)
    .replace(TOKEN_PARAMETER, `$1${REDACTED}`);
}

/** What a request line shows of the URL: the path and the query, with token-bearing parameters blanked. */
function safeUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  for (const name of ['private_token', 'token']) if (params.has(name)) params.set(name, REDACTED);
  return `${url.slice(0, queryStart)}?${params.toString()}`;
}

export interface LoggerOptions {
  readonly level: string;
  /** Where lines go; standard output by default. Tests pass a stream they read. */
  readonly stream?: DestinationStream;
}

/**
 * Fastify's logger with the secrets taken out: token headers and parameters are censored by path, and every
 * line is scrubbed of token-shaped strings on its way out, whatever logged it (an error message, a URL, a body).
 */
export function createLogger({ level, stream }: LoggerOptions): Logger {
  const destination = stream ?? pino.destination(1);
  const scrubbing: DestinationStream = { write: (line: string) => destination.write(redactSecrets(line)) };
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers["private-token"]',
          'req.headers.authorization',
          'req.headers.cookie',
          'req.query.private_token',
          'req.query.token',
          'req.body.private_token',
          'req.body.token',
          'res.headers["set-cookie"]',
        ],
        censor: REDACTED,
      },
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: safeUrl(request.url),
          remoteAddress: request.ip,
          userAgent: request.headers['user-agent'],
        }),
      },
    },
    scrubbing,
  );
}

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Honours a caller's `X-Request-Id` (a proxy's, or a client's for tracing) when it is a plain identifier: it is
 * echoed in a header and written to logs, so nothing that could forge a line or a header gets through.
 */
export function requestId(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** What a request's line says beyond HTTP: who called, and which GraphQL operation ran. */
interface RequestNotes {
  userId?: number;
  operationName?: string | null;
}

const notes = new WeakMap<FastifyRequest, RequestNotes>();

/** Records the authenticated user for the request's log line (both APIs call this once they know). */
export function noteViewer(request: FastifyRequest, viewer: { readonly id: number } | null): void {
  if (viewer) notes.set(request, { ...notes.get(request), userId: viewer.id });
}

/** Records the GraphQL operation's name (`null` for an anonymous one) for the request's log line. */
export function noteOperation(request: FastifyRequest, operationName: string | null): void {
  notes.set(request, { ...notes.get(request), operationName });
}

/**
 * One line per request, written when the answer has gone: method, path and query (tokens blanked), status,
 * duration, the user and, for GraphQL, the operation. Fastify's own two lines (the second without method or
 * path) are turned off where the logger is built.
 */
export function requestLogging(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const note = notes.get(request);
    request.log.info(
      {
        req: request,
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
        ...(note?.userId !== undefined ? { user_id: note.userId } : {}),
        ...(note?.operationName !== undefined ? { graphql_operation: note.operationName } : {}),
      },
      'request completed',
    );
  });
}
