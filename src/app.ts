import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { GraphQLError, getOperationAST } from 'graphql';
import { createYoga, maskError as defaultMaskError, type Plugin } from 'graphql-yoga';
import { DEFAULT_PRINCIPAL_CACHE_TTL_MS, PrincipalCache } from './auth/principals.ts';
import type { Database } from './db/client.ts';
import { DataVersions } from './db/data-version.ts';
import { type Context, createContext, readToken } from './graphql/context.ts';
import { DEFAULT_GRAPHQL_LIMITS, type GraphQLLimits, graphqlLimitPlugins } from './graphql/limits.ts';
import { databaseFailure, knownFailure } from './graphql/errors.ts';
import { refuseUnacceptable } from './graphql/accept.ts';
import { rejectNullBytes } from './graphql/null-bytes.ts';
import { schema } from './graphql/schema/index.ts';
import { ignoreEmptyBodies, rawGraphQLBodies } from './http/body.ts';
import { AnswerCache, DEFAULT_ANSWER_CACHE_BYTES } from './http/answer-cache.ts';
import { conditionalRequests } from './http/conditional.ts';
import { corsPolicy } from './http/cors.ts';
import { type ServerSettings, settingsFor } from './http/external-url.ts';
import { faviconRoutes, graphiqlAssets, graphiqlOptions, renderGraphiQLPage } from './http/graphiql.ts';
import { type Dashboard, loadDashboard } from './http/dashboard.ts';
import { graphqlJsonPost, type MaskError } from './http/graphql-post.ts';
import { homeRoute } from './http/home.ts';
import { createLogger, type LoggerOptions, noteOperation, noteViewer, requestId, requestLogging } from './http/logging.ts';
import { KnownPaths } from './http/methods.ts';
import {
  DEFAULT_RATE_LIMITS,
  graphqlFailedTokenAuth,
  graphqlTokenAttempts,
  type RateLimitSettings,
  RateLimits,
  rateLimitPlugin,
  tokenOwners,
} from './http/rate-limit.ts';
import { refuseMethod, sendJson } from './rest/http.ts';
import { v4Routes } from './rest/v4/index.ts';
import { attachWebSocket, connectionToken, rateLimitedAdmission } from './graphql/websocket.ts';
import { liveServer, type LiveOptions } from './live/server.ts';
import { type Housekeeper, type HousekeepingOptions, startHousekeeping } from './jobs/housekeeping.ts';
import { sharedLiveRendering } from './graphql/live-rendering.ts';
import { eventStreamOf, eventStreams } from './graphql/event-stream.ts';

export interface AppOptions {
  readonly database: Database;
  readonly settings: ServerSettings;
  readonly corsOrigins?: readonly string[];
  /** `false`: no logs. Otherwise redacted JSON lines (see `src/http/logging.ts`). */
  readonly logger?: false | LoggerOptions;
  readonly graphiql?: boolean;
  readonly graphqlLimits?: GraphQLLimits;
  readonly rateLimits?: RateLimitSettings;
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-* headers give the client IP, scheme and host. */
  readonly trustProxy?: boolean | string;
  /** Subscriptions: the status sweeper's interval (none by default), token re-check interval. */
  readonly live?: LiveOptions;
  /** Stale-runner pruning and audit retention; none by default (tests ask for it). */
  readonly housekeeping?: HousekeepingOptions | null;
  /** How long an authenticated token is reused without a lookup (see PrincipalCache); 0: looked up every request. */
  readonly principalCacheTtlMs?: number;
  /** ETags on the APIs' GET answers, and 304s for unchanged ones (see conditionalRequests); default on. */
  readonly etags?: boolean;
  /** Bytes of GET answers kept by ETag, shared by pollers of the same view (see AnswerCache); 0: none kept. */
  readonly answerCacheBytes?: number;
  /** The fleet dashboard served at `/`; by default the build in dist/web, read once (null: the plain home page). */
  readonly dashboard?: Dashboard | null;
  /**
   * Plain JSON POSTs to /graphql answered without Yoga's fetch-API layer (see graphqlJsonPost); default on. `false`:
   * every request goes through Yoga's whole pipeline, the reference the tests hold the short path to.
   */
  readonly graphqlJsonPost?: boolean;
}

/** GitLab serves its GraphQL API at /api/graphql; /graphql is the gateway's own, and both answer alike. */
export const GRAPHQL_PATHS = ['/graphql', '/api/graphql'] as const;

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

type ServerContext = { req: FastifyRequest; reply: FastifyReply };

/** Names the operation in the request's log line: as the client named it, then as it actually ran. */
function operationNames(): Plugin<ServerContext> {
  return {
    onParams({ params, context }) {
      const { req } = context as Partial<ServerContext>;
      if (req && params.operationName) noteOperation(req, params.operationName);
    },
    onExecute({ args }) {
      noteOperation(args.contextValue.req, getOperationAST(args.document, args.operationName)?.name?.value ?? null);
    },
  };
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
  housekeeping = null,
  principalCacheTtlMs = DEFAULT_PRINCIPAL_CACHE_TTL_MS,
  etags = true,
  answerCacheBytes = DEFAULT_ANSWER_CACHE_BYTES,
  dashboard = loadDashboard(),
  graphqlJsonPost: jsonPost = true,
}: AppOptions) {
  const app = Fastify({
    // As Fastify's base logger type, so that the app is a plain FastifyInstance for the modules it is handed to.
    loggerInstance: logger ? (createLogger(logger) as FastifyBaseLogger) : undefined,
    genReqId: requestId,
    // One line per request, written by requestLogging, instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    trustProxy,
    bodyLimit: 1_048_576,
  });
  const db = database.prisma;
  const knownPaths = new KnownPaths();
  knownPaths.watch(app);
  const principals = new PrincipalCache(principalCacheTtlMs);
  settings = { ...settings, graphqlLimits, principals, reportError: (error, what) => app.log.warn({ err: error }, what) };
  // Before every other hook, so that even refused and preflight answers carry it.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  ignoreEmptyBodies(app);
  requestLogging(app);
  corsPolicy(app, corsOrigins);

  // Registered after CORS so that a refusal still carries the CORS headers a browser needs to read it.
  const limits = rateLimits.enabled ? new RateLimits(rateLimits) : null;
  if (limits) app.register(rateLimitPlugin, { limits, tokenOwner: tokenOwners(db), graphqlPaths: GRAPHQL_PATHS });

  const dataVersions = new DataVersions(db);
  if (etags) {
    const answers = answerCacheBytes > 0 ? new AnswerCache(answerCacheBytes) : undefined;
    conditionalRequests(app, { db, versions: dataVersions, principals, answers, prefixes: ['/api/v4', ...GRAPHQL_PATHS] });
  }

  const hub = liveServer(app, database, { ...live, principals, dataVersions });
  settings = { ...settings, caughtUp: () => hub.caughtUp() };
  if (housekeeping) {
    let housekeeper: Housekeeper | null = null;
    app.addHook('onReady', async () => {
      housekeeper = startHousekeeping(db, housekeeping, app.log);
    });
    app.addHook('preClose', async () => {
      await housekeeper?.stop();
    });
  }
  const maskGraphQLError: MaskError = (error, message, isDev) =>
    maskError(error, message, isDev, (original) => app.log.error({ err: original }, 'unexpected error'));
  const yoga = createYoga<ServerContext, Context>({
    schema,
    // Either path; Yoga matches it as a URL pattern.
    graphqlEndpoint: '{/api}?/graphql',
    plugins: [
      refuseUnacceptable({ graphiql }),
      rejectNullBytes(),
      operationNames(),
      sharedLiveRendering(),
      eventStreams(),
      ...graphqlLimitPlugins<Context & ServerContext>(graphqlLimits, limits ? graphqlTokenAttempts(limits) : undefined),
      ...(limits ? [graphqlFailedTokenAuth(limits)] : []),
    ],
    graphiql: graphiql ? (request) => graphiqlOptions(request) : false,
    renderGraphiQL: renderGraphiQLPage,
    landingPage: false,
    // CORS is the CORS plugin's, for both APIs alike; Yoga's own would allow any origin.
    cors: false,
    logging: false,
    // Never Yoga's development mode, which would add the original message and stack trace to answers.
    maskedErrors: { isDev: false, maskError: maskGraphQLError },
    context: async ({ req, connectionParams }: ServerContext & { connectionParams?: Record<string, unknown> }) => {
      // Over WebSocket (see attachWebSocket) the token comes in the connection's parameters.
      const token = connectionParams
        ? connectionToken(connectionParams, req.raw ?? req)
        : readToken(req.headers, req.query as { private_token?: unknown });
      const context = await createContext(db, token, settingsFor(req, settings), undefined, req.ip ?? null);
      noteViewer(req, context.viewer);
      return { ...context, live: { hub, token } };
    },
  });
  const answerJsonPost = jsonPost ? graphqlJsonPost(yoga, maskGraphQLError) : async () => false;
  attachWebSocket(app, yoga, {
    paths: GRAPHQL_PATHS,
    admit: limits ? rateLimitedAdmission(limits, tokenOwners(db), app.log) : undefined,
  });

  app.register(async (scope: FastifyInstance) => {
    rawGraphQLBodies(scope);
    for (const url of GRAPHQL_PATHS) {
      scope.route({
        url,
        // Every method, so that Yoga answers the ones GraphQL has no use for (405, as a GraphQL error).
        method: ['GET', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'],
        // What fails before Yoga sees the request (a too large body, an unknown content type) is still answered
        // as GraphQL, with a code, so that clients read every failure the same way.
        errorHandler: (error, request, reply) => {
          const database = databaseFailure(error);
          const databaseStatus = (database?.extensions.http as { status?: number } | undefined)?.status ?? 400;
          const status = database ? databaseStatus : ((error as { statusCode?: number }).statusCode ?? 500);
          if (status >= 500) request.log.error({ err: error }, 'unexpected error before GraphQL execution');
          const failure =
            database ??
            new GraphQLError(status >= 500 ? 'Unexpected error.' : error.message, {
              extensions: { code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' },
            });
          const { http: _http, ...extensions } = failure.extensions;
          return sendJson(reply, status, { errors: [{ message: failure.message, extensions }] });
        },
        handler: async (req, reply) => {
          // A POST without a body is a GraphQL request without a query, answered as such.
          if (req.method === 'POST' && req.body === undefined) {
            req.raw.headers['content-type'] = 'application/json';
            req.body = '{}';
          }
          if (await answerJsonPost(req, reply)) return reply;
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
          // A subscription's event stream is a Node stream, piped as is (see eventStreams); any other answer is
          // one JSON document, sent (and kept by its ETag, see conditionalRequests) as bytes.
          const stream = eventStreamOf(response);
          reply.send(stream ?? (response.body ? Buffer.from(await response.arrayBuffer()) : null));
          return reply;
        },
      });
    }
  });

  app.register(v4Routes, { prefix: '/api/v4', db, settings, knownPaths });
  if (graphiql) app.register(graphiqlAssets);
  faviconRoutes(app);
  homeRoute(app, { graphiql, dashboard });

  app.get('/-/liveness', async () => ({ status: 'ok' }));
  app.get('/-/readiness', async (_req, reply) => {
    try {
      await db.$queryRaw`SELECT 1`;
      return { status: 'ok', database: database.kind };
    } catch {
      return reply.status(503).send({ status: 'failed', database: database.kind });
    }
  });
  app.setNotFoundHandler((request, reply) => {
    if (refuseMethod(request, reply, knownPaths)) return;
    reply
      .status(404)
      .send({ message: `Route ${request.method}:${request.url.split('?')[0]} not found`, error: 'Not Found', statusCode: 404 });
  });

  return app;
}
