import cors from '@fastify/cors';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { createYoga, maskError as defaultMaskError } from 'graphql-yoga';
import type { Database } from './db/client.ts';
import { type Context, createContext, readToken, type SchemaSettings } from './graphql/context.ts';
import { rejectNullBytes } from './graphql/null-bytes.ts';
import { schema } from './graphql/schema/index.ts';
import { v4Routes } from './rest/v4/index.ts';

export interface AppOptions {
  readonly database: Database;
  readonly settings: SchemaSettings;
  readonly corsOrigins?: readonly string[];
  readonly logger?: boolean | { level: string };
  readonly graphiql?: boolean;
}

/**
 * Errors reach clients only when they were meant for them: GraphQLErrors with a code, and Pothos's own
 * argument checks (a bad cursor, both `first` and `last`), which are the client's fault too.
 * Everything else is masked and logged.
 */
function maskError(error: unknown, message: string, isDev: boolean | undefined, log: (error: unknown) => void): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof GraphQLError && original.extensions?.code) return error as Error;
  if (original instanceof Error && original.name === 'PothosValidationError') {
    return new GraphQLError(original.message, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  log(original);
  return defaultMaskError(error, message, isDev);
}

/** Builds the HTTP application; it never listens, so tests and the server start it as each needs. */
export function buildApp({ database, settings, corsOrigins = [], logger = false, graphiql = true }: AppOptions) {
  const app = Fastify({ logger, bodyLimit: 1_048_576 });
  const db = database.prisma;

  app.register(cors, {
    origin: corsOrigins.includes('*') ? true : [...corsOrigins],
    credentials: false,
    allowedHeaders: ['Content-Type', 'Authorization', 'PRIVATE-TOKEN', 'X-Requested-With'],
    exposedHeaders: ['X-Total', 'X-Total-Pages', 'X-Per-Page', 'X-Page', 'X-Next-Page', 'X-Prev-Page', 'Link'],
  });

  const yoga = createYoga<{ req: FastifyRequest; reply: FastifyReply }, Context>({
    schema,
    plugins: [rejectNullBytes()],
    graphiql,
    landingPage: false,
    logging: false,
    maskedErrors: {
      maskError: (error, message, isDev) =>
        maskError(error, message, isDev, (original) => app.log.error({ err: original }, 'unexpected error')),
    },
    context: ({ req }) => createContext(db, readToken(req.headers, req.query as { private_token?: unknown }), settings),
  });

  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (req, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
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
