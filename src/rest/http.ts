import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { type Context, createContext, readToken } from '../graphql/context.ts';
import type { Db } from '../db/client.ts';
import { type ServerSettings, settingsFor } from '../http/external-url.ts';
import { noteViewer } from '../http/logging.ts';
import type { KnownPaths } from '../http/methods.ts';
import type { ErrorCode } from '../errors.ts';
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

type ErrorAnswer = (error: { readonly message: string; readonly extensions: Readonly<Record<string, unknown>> }) => RestError;

const reasonOf = (extensions: Readonly<Record<string, unknown>>) => (typeof extensions.reason === 'string' ? extensions.reason : undefined);

/** GitLab's answer to each domain error code, as the GraphQL operation reported it (see `graphql/errors.ts`). */
const REST_ANSWERS = {
  UNAUTHENTICATED: ({ message, extensions }) => {
    if (extensions.failure === 'expired' || extensions.failure === 'revoked') {
      return new RestError(
        401,
        { error: 'invalid_token', error_description: message },
        { 'www-authenticate': `${REALM}, error="invalid_token", error_description="${message}"` },
      );
    }
    return unauthorized();
  },
  INSUFFICIENT_SCOPE: ({ message, extensions }) => {
    const scope = ((extensions.scopes as string[] | undefined) ?? []).join(' ');
    return new RestError(
      403,
      { error: 'insufficient_scope', error_description: message, scope },
      { 'www-authenticate': `${REALM}, error="insufficient_scope", error_description="${message}", scope="${scope}"` },
    );
  },
  FORBIDDEN: ({ extensions }) => forbidden(reasonOf(extensions)),
  NOT_FOUND: ({ extensions }) => notFound(typeof extensions.resource === 'string' ? extensions.resource : undefined),
  BAD_USER_INPUT: ({ message }) => new RestError(400, { message: `400 Bad request - ${message}` }),
  CONFLICT: ({ message }) => new RestError(409, { message: `409 Conflict - ${message}` }),
  GONE: ({ extensions }) => {
    const reason = reasonOf(extensions);
    return new RestError(410, { message: reason ? `410 Gone - ${reason}` : '410 Gone' });
  },
  PRECONDITION_FAILED: () => new RestError(412, { message: '412 Precondition Failed' }),
  SERVICE_UNAVAILABLE: () => serviceUnavailable(),
  // The GraphQL layer's own: a query over its size or cost bounds.
  LIMIT_EXCEEDED: ({ message }) => new RestError(400, { message: `400 Bad request - ${message}` }),
} satisfies Record<ErrorCode | 'LIMIT_EXCEEDED', ErrorAnswer>;

function isAnswered(code: unknown): code is keyof typeof REST_ANSWERS {
  return typeof code === 'string' && Object.hasOwn(REST_ANSWERS, code);
}

/** GitLab's status line and body for an operation's error; an error without a known code is a 500. */
export function restErrorFrom(error: GraphQLFormattedError | GraphQLError): RestError {
  const extensions = (error.extensions ?? {}) as Record<string, unknown>;
  if (isAnswered(extensions.code)) return REST_ANSWERS[extensions.code]({ message: error.message, extensions });
  // Kept as the cause, so that the error handler can log what went wrong behind the 500.
  return Object.assign(new RestError(500, { message: '500 Internal Server Error' }), { cause: error });
}

/**
 * GitLab's model-validation body: `{"message":{"maximum_timeout":["needs to be at least 10 minutes"]}}`. (The
 * schema declares an attribute error's fields nullable, as GitLab's GraphQL types are; they are never null.)
 */
export function validationError(attributeErrors: readonly { attribute: string | null; message: string | null }[]): RestError {
  const byAttribute: Record<string, string[]> = {};
  for (const error of attributeErrors) {
    const attribute = error.attribute ?? 'base';
    byAttribute[attribute] ??= [];
    byAttribute[attribute].push(error.message ?? '');
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
