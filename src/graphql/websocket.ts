import type { IncomingMessage, Server } from 'node:http';
import { type DocumentNode, type ExecutionArgs, getOperationAST, GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { RateLimits } from '../http/rate-limit.ts';
import { readToken } from './context.ts';

/**
 * The token of a WebSocket connection: browsers cannot set headers on one, so it comes in `connectionParams`
 * under the header names (`PRIVATE-TOKEN`, or `Authorization: Bearer …`, any case); other clients may send the
 * headers on the upgrade request instead.
 */
export function connectionToken(connectionParams: Readonly<Record<string, unknown>> | undefined, request: IncomingMessage): string | null {
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(connectionParams ?? {})) {
    if (typeof value === 'string') headers[key.toLowerCase()] = value;
  }
  return readToken(headers) ?? readToken(request.headers);
}

/** What the WebSocket endpoint needs of the HTTP server: its Node server and its close hook. */
export interface UpgradableServer {
  readonly server: Server;
  addHook(name: 'preClose', hook: () => Promise<void>): unknown;
}

export interface WebSocketOptions {
  /** The GraphQL paths; an upgrade to any other path is refused. */
  readonly paths: readonly string[];
  /** Counts an operation against the caller's rate limit; answers the refusal, or null to go ahead. */
  readonly admit?: (request: IncomingMessage, token: string | null) => Promise<GraphQLError | null>;
}

/** What the endpoint uses of Yoga: its envelop, which runs every plugin of the HTTP endpoint. */
export interface Enveloped {
  getEnveloped(initialContext: never): {
    readonly schema: GraphQLSchema;
    parse(source: string): DocumentNode;
    validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
    contextFactory(): unknown;
    execute: (args: ExecutionArgs) => unknown;
    subscribe: (args: ExecutionArgs) => unknown;
  };
}

type Envelope = {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
};

function requestError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError && error.extensions?.code) return error;
  if (error instanceof GraphQLError && !error.path)
    return new GraphQLError(error.message, { extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * GraphQL over WebSocket (`graphql-ws`) at the GraphQL path, for subscriptions. Operations run through Yoga's
 * envelop as over HTTP (Yoga's graphql-ws recipe): the same parser caps, validation, depth and cost limits,
 * context (and so authentication) and error masking.
 */
export function attachWebSocket(app: UpgradableServer, yoga: Enveloped, { paths, admit }: WebSocketOptions): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  app.server.on('upgrade', (request, socket, head) => {
    if (!paths.includes(new URL(request.url ?? '/', 'http://localhost').pathname)) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  const server = useServer(
    {
      execute: (args) => (args.rootValue as Envelope).execute(args) as never,
      subscribe: (args) => (args.rootValue as Envelope).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const request = ctx.extra.request;
        const token = connectionToken(ctx.connectionParams, request);
        const refusal = await admit?.(request, token);
        if (refusal) return [refusal];
        const enveloped = yoga.getEnveloped({
          req: request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams ?? {},
        } as never);
        let document: DocumentNode;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          return [requestError(error)];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length) return errors;
        if (getOperationAST(document, payload.operationName)?.operation !== 'subscription') {
          return [
            new GraphQLError('Only subscriptions are served over WebSocket: send queries and mutations over HTTP', {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
        }
        let contextValue: unknown;
        try {
          contextValue = await enveloped.contextFactory();
        } catch (error) {
          return [requestError(error)];
        }
        return {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
    },
    wss,
  );
  // Before Fastify waits for connections to finish: open sockets would hold the shutdown until its timeout.
  app.addHook('preClose', async () => {
    await server.dispose();
    wss.close();
  });
}

/**
 * Each operation over a WebSocket counts as one request against the same budgets as HTTP requests: the token's
 * user when it is valid, otherwise the client IP.
 */
export function rateLimitedAdmission(
  limits: RateLimits,
  tokenOwner: (token: string) => Promise<number | null>,
  log: Parameters<RateLimits['consume']>[2],
): NonNullable<WebSocketOptions['admit']> {
  return async (request, token) => {
    const userId = token ? await tokenOwner(token).catch(() => null) : null;
    const decision =
      userId !== null
        ? await limits.consume('throttle_authenticated_api', `user:${userId}`, log)
        : await limits.consume('throttle_unauthenticated_api', `ip:${request.socket.remoteAddress ?? ''}`, log);
    if (decision.allowed) return null;
    return new GraphQLError('Retry later', { extensions: { code: 'RATE_LIMITED', retryAfter: Number(decision.headers['Retry-After']) } });
  };
}
