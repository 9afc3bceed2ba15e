import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { type Context, createContext, readToken } from '../graphql/context.ts';
import type { Db } from '../db/client.ts';
import { type ServerSettings, settingsFor } from '../http/external-url.ts';
import { noteViewer } from '../http/logging.ts';
import type { KnownPaths } from '../http/methods.ts';
import type { RawParams } from './params.ts';

/** A finished GitLab answer: thrown by a route, sent by the REST error handler. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' ? JSON.stringify(body) : String(body));
  }
}

/** GitLab sends `application/json` with no charset; some clients compare the header literally. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  // A Buffer, because Fastify appends "; charset=utf-8" to JSON content types it serialises or sees as strings.
  return reply
    .status(status)
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify(body)));
}

export const badRequest = (error: string) => new RestError(400, { error });
export const notFound = (what?: string) => new RestError(404, { message: what ? `404 ${what} Not Found` : '404 Not Found' });
export const forbidden = (reason?: string) => new RestError(403, { message: reason ? `403 Forbidden - ${reason}` : '403 Forbidden' });
export const unauthorized = () => new RestError(401, { message: '401 Unauthorized' });
/** GitLab's answer while its database is unreachable. */
export const serviceUnavailable = () => new RestError(503, { message: '503 Service Unavailable' });

/**
 * A known path called with a method it does not take: 405 with `Allow`, as Grape answers; a plain OPTIONS (not a
 * CORS preflight, which the CORS plugin answers) gets 204 and the same header. Returns false for unknown paths.
 */
export function refuseMethod(request: FastifyRequest, reply: FastifyReply, knownPaths: KnownPaths): boolean {
  const allowed = knownPaths.allowed(request.url.split('?')[0] ?? '');
  if (!allowed.length) return false;
  reply.header('allow', [...new Set([...allowed, 'OPTIONS'])].join(', '));
  if (request.method === 'OPTIONS') reply.status(204).send();
  else sendJson(reply, 405, { error: '405 Not Allowed' });
  return true;
}

const REALM = 'Bearer realm="The API"';

/** One table from the schema's error codes to GitLab's status lines and bodies. */
export function restErrorFrom(error: GraphQLFormattedError | GraphQLError): RestError {
  const extensions = (error.extensions ?? {}) as Record<string, unknown>;
  const reason = typeof extensions.reason === 'string' ? extensions.reason : undefined;
  switch (extensions.code) {
    case 'UNAUTHENTICATED': {
      if (extensions.failure === 'expired' || extensions.failure === 'revoked') {
        return new RestError(
          401,
          { error: 'invalid_token', error_description: error.message },
          { 'www-authenticate': `${REALM}, error="invalid_token", error_description="${error.message}"` },
        );
      }
      return unauthorized();
    }
    case 'INSUFFICIENT_SCOPE': {
      const scope = ((extensions.scopes as string[] | undefined) ?? []).join(' ');
      return new RestError(
        403,
        { error: 'insufficient_scope', error_description: error.message, scope },
        { 'www-authenticate': `${REALM}, error="insufficient_scope", error_description="${error.message}", scope="${scope}"` },
      );
    }
    case 'FORBIDDEN':
      return forbidden(reason);
    case 'NOT_FOUND':
      return notFound(typeof extensions.resource === 'string' ? extensions.resource : undefined);
    case 'BAD_USER_INPUT':
    case 'LIMIT_EXCEEDED':
      return new RestError(400, { message: `400 Bad request - ${error.message}` });
    case 'CONFLICT':
      return new RestError(409, { message: `409 Conflict - ${error.message}` });
    case 'GONE':
      return new RestError(410, { message: reason ? `410 Gone - ${reason}` : '410 Gone' });
    case 'PRECONDITION_FAILED':
      return new RestError(412, { message: '412 Precondition Failed' });
    case 'SERVICE_UNAVAILABLE':
      return serviceUnavailable();
    default:
      // Kept as the cause, so that the error handler can log what went wrong behind the 500.
      return Object.assign(new RestError(500, { message: '500 Internal Server Error' }), { cause: error });
  }
}

/** GitLab's model-validation body: `{"message":{"maximum_timeout":["needs to be at least 10 minutes"]}}`. */
export function validationError(attributeErrors: readonly { attribute: string; message: string }[]): RestError {
  const byAttribute: Record<string, string[]> = {};
  for (const { attribute, message } of attributeErrors) {
    byAttribute[attribute] ??= [];
    byAttribute[attribute].push(message);
  }
  return new RestError(400, { message: byAttribute });
}

/** The request's context, authenticated as GitLab does (the `private_token` parameter counts too). */
export async function contextFor(db: Db, settings: ServerSettings, request: FastifyRequest, params: RawParams): Promise<Context> {
  try {
    const readApiAccepted = request.method === 'GET' || request.method === 'HEAD';
    const context = await createContext(
      db,
      readToken(request.headers, params),
      settingsFor(request, settings),
      { api: 'rest', readApiAccepted },
      request.ip,
    );
    noteViewer(request, context.viewer);
    return context;
  } catch (error) {
    if (error instanceof GraphQLError) throw restErrorFrom(error);
    throw error;
  }
}

/** Endpoints behind `authenticate!`: no user, 401 before anything else is looked at. */
export async function userContextFor(db: Db, settings: ServerSettings, request: FastifyRequest, params: RawParams): Promise<Context> {
  const context = await contextFor(db, settings, request, params);
  if (!context.viewer) throw unauthorized();
  return context;
}
