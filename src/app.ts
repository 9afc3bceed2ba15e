import { STATUS_CODES } from 'node:http';
import cors from '@fastify/cors';
import Fastify, { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { GraphQLError } from 'graphql';
import { createYoga, maskError as defaultMaskError } from 'graphql-yoga';
import type { Database } from './db/client.ts';
import { type Context, createContext, readToken, type SchemaSettings } from './graphql/context.ts';
import { DEFAULT_GRAPHQL_LIMITS, type GraphQLLimits, graphqlLimitPlugins } from './graphql/limits.ts';
import { databaseFailure, knownFailure } from './graphql/errors.ts';
import { refuseUnacceptable } from './graphql/accept.ts';
import { rejectNullBytes } from './graphql/null-bytes.ts';
import { schema } from './graphql/schema/index.ts';
import { createLogger, type LoggerOptions, requestId } from './http/logging.ts';
import { DEFAULT_RATE_LIMITS, graphqlTokenAttempts, type RateLimitSettings, RateLimits, rateLimitPlugin, tokenOwners } from './http/rate-limit.ts';
import { sendJson } from './rest/http.ts';
import { v4Routes } from './rest/v4/index.ts';
import { attachWebSocket, connectionToken, rateLimitedAdmission } from './graphql/websocket.ts';
import { liveServer, type LiveOptions } from './live/server.ts';

export interface AppOptions {
  readonly database: Database;
  readonly settings: SchemaSettings;
  readonly corsOrigins?: readonly string[];
  /** `false`: no logs. Otherwise redacted JSON lines (see `src/http/logging.ts`). */
  readonly logger?: false | LoggerOptions;
  readonly graphiql?: boolean;
  readonly graphqlLimits?: GraphQLLimits;
  readonly rateLimits?: RateLimitSettings;
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-For gives the client IP that rate limits count by. */
  readonly trustProxy?: boolean | string;
  /** Subscriptions: the status sweeper's interval (none by default), token re-check interval. */
  readonly live?: LiveOptions;
}

/**
 * Errors reach clients only when they were meant for them: GraphQLErrors with a code, known failures that are not
 * ours (see knownFailure), and errors that refused the request before execution. Everything else is masked and
 * logged.
 */
function maskError(error: unknown, message: string, isDev: boolean | undefined, log: (error: unknown) => void): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof GraphQLError && original.extensions?.code) return error as Error;
  // A database failure (503, or a value it refused) or one of Pothos's argument checks: see knownFailure.
  const known = knownFailure(original);
  if (known) {
    if (known.extensions.code === 'SERVICE_UNAVAILABLE') log(original);
    return new GraphQLError(known.message, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: known.extensions,
    });
  }
  // A GraphQLError raised outside any resolver (no path) refused the request itself: a variable that does not
  // coerce, a subscription. graphql-js gives those no code, but they are the client's to fix.
  if (original instanceof GraphQLError && error instanceof GraphQLError && !error.path) {
    return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
  }
  log(original);
  return defaultMaskError(error, message, isDev);
}

/** Builds the HTTP application; it never listens, so tests and the server start it as each needs. */
export function buildApp({
  database,
  settings,
  corsOrigins = [],
  logger = false,
  graphiql = true,
  graphqlLimits = DEFAULT_GRAPHQL_LIMITS,
  rateLimits = DEFAULT_RATE_LIMITS,
  trustProxy = false,
  live = {},
}: AppOptions) {
  const app = Fastify({
    loggerInstance: logger ? createLogger(logger) : undefined,
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    trustProxy,
    bodyLimit: 1_048_576,
  });
  const db = database.prisma;
  // Before every other hook, so that even refused and preflight answers carry it.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.register(cors, {
    origin: corsOrigins.includes('*') ? true : [...corsOrigins],
    credentials: false,
    allowedHeaders: ['Content-Type', 'Authorization', 'PRIVATE-TOKEN', 'X-Requested-With'],
    exposedHeaders: ['X-Total', 'X-Total-Pages', 'X-Per-Page', 'X-Page', 'X-Next-Page', 'X-Prev-Page', 'Link', 'X-Request-Id',
      'Retry-After', 'RateLimit-Name', 'RateLimit-Limit', 'RateLimit-Observed', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-ResetTime'],
  });

  // Registered after CORS so that a refusal still carries the CORS headers a browser needs to read it.
  const limits = rateLimits.enabled ? new RateLimits(rateLimits) : null;
  if (limits) app.register(rateLimitPlugin, { limits, tokenOwner: tokenOwners(db), graphqlPath: '/graphql' });

  const hub = liveServer(app, database, live);
  const yoga = createYoga<{ req: FastifyRequest; reply: FastifyReply }, Context>({
    schema,
    plugins: [refuseUnacceptable({ graphiql }), rejectNullBytes(), ...graphqlLimitPlugins<Context & { req: FastifyRequest; reply: FastifyReply }>(graphqlLimits, limits ? graphqlTokenAttempts(limits) : undefined)],
    graphiql,
    landingPage: false,
    logging: false,
    maskedErrors: {
      // Never Yoga's development mode, which would add the original message and stack trace to answers.
      isDev: false,
      maskError: (error, message, isDev) =>
        maskError(error, message, isDev, (original) => app.log.error({ err: original }, 'unexpected error')),
    },
    context: async ({ req, connectionParams }: { req: FastifyRequest; connectionParams?: Record<string, unknown> }) => {
      // Over WebSocket (see attachWebSocket) the token comes in the connection's parameters.
      const token = connectionParams ? connectionToken(connectionParams, req.raw ?? req) : readToken(req.headers, req.query as { private_token?: unknown });
      return { ...(await createContext(db, token, settings)), live: { hub, token } };
    },
  });
  attachWebSocket(app, yoga, {
    path: yoga.graphqlEndpoint,
    admit: limits ? rateLimitedAdmission(limits, tokenOwners(db), app.log) : undefined,
  });

  app.route({
    url: yoga.graphqlEndpoint,
    // Every method, so that Yoga answers the ones GraphQL has no use for (405, as a GraphQL error).
    method: ['GET', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'],
    // What fails before Yoga sees the request (an unparseable or too large body, an unknown content type) is
    // still answered as GraphQL, with a code, so that clients read every failure the same way.
    errorHandler: (error, request, reply) => {
      const database = databaseFailure(error);
      const databaseStatus = (database?.extensions.http as { status?: number } | undefined)?.status ?? 400;
      const status = database ? databaseStatus : ((error as { statusCode?: number }).statusCode ?? 500);
      if (status >= 500) request.log.error({ err: error }, 'unexpected error before GraphQL execution');
      const failure = database ?? new GraphQLError(status >= 500 ? 'Unexpected error.' : error.message, {
        extensions: { code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' },
      });
      const { http: _http, ...extensions } = failure.extensions;
      return sendJson(reply, status, { errors: [{ message: failure.message, extensions }] });
    },
    handler: async (req, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      // Yoga refuses some requests with a bare status (415 for an unknown content type, 406 when the client
      // accepts no JSON); every refusal still gets a GraphQL error body, so clients read them all one way.
      if (response.status >= 400 && response.body === null) {
        const message = response.statusText || STATUS_CODES[response.status] || 'Bad Request';
        return sendJson(reply, response.status, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
      }
      reply.status(response.status);
      reply.send(response.body);
      return reply;
    },
  });

  app.register(v4Routes, { prefix: '/api/v4', db, settings });

  app.get('/-/liveness', async () => ({ status: 'ok' }));
  app.get('/-/readiness', async (_req, reply) => {
    try {
      await db.$queryRaw`SELECT 1`;
      return { status: 'ok', database: database.kind };
    } catch {
      return reply.status(503).send({ status: 'failed', database: database.kind });
    }
  });

  return app;
}
