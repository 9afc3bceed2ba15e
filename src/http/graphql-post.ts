import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { type GraphQLParams, processRegularResult, type YogaServer } from 'graphql-yoga';

/**
 * The Accept headers of a plain JSON POST whose answer Yoga makes with its regular (non-streaming) processor, and in
 * which media type. For these, Yoga's Accept negotiation picks application/json (`*` matches every processor, and the
 * regular one's application/json is tried last), or graphql-response+json; any other header is left to Yoga.
 */
const REGULAR_ANSWERS = new Map<string | undefined, string>([
  [undefined, 'application/json'],
  ['*/*', 'application/json'],
  ['application/json', 'application/json'],
  ['application/graphql-response+json', 'application/graphql-response+json'],
]);

/** A `subscription` operation needs the keyword; without it, no operation in the text can be one. */
const SUBSCRIPTION = /\bsubscription\b/;

type ServerContext = { req: FastifyRequest; reply: FastifyReply };

/** The parts of a Yoga server the fast path goes through. */
type YogaSteps = Pick<YogaServer<ServerContext, object>, 'fetchAPI' | 'getResultForParams'>;

export type MaskError = (error: unknown, message: string, isDev: boolean | undefined) => Error;

/**
 * Answers the common GraphQL request (a POST of one JSON operation, not a subscription, with an Accept that asks for
 * JSON) the way Yoga would, through Yoga's own steps for a request's parameters (`getResultForParams`: its parameter
 * checks, every plugin's onParams, parse and validation caches, context, limits, execution and error masking) and its
 * own result processor, but without its fetch-API layer: no Request built from the Node request and its body read
 * again as a Web stream, no Web stream piped into the socket. That layer cost about a third of a one-runner query's
 * CPU.
 *
 * Yoga's steps before the parameters cannot change such a request's answer: the Accept header is one Yoga answers
 * with JSON (refuseUnacceptable lets it through), CSRF prevention concerns only the content types a browser sends
 * without a preflight (a JSON body has one), the method is POST, the body is within Fastify's limit, and a batch (an
 * array) is left to Yoga. Resolves to false, having sent nothing, for any other request: Yoga answers it.
 */
export function graphqlJsonPost(yoga: YogaSteps, maskError: MaskError): (req: FastifyRequest, reply: FastifyReply) => Promise<boolean> {
  return async (req, reply) => {
    if (req.method !== 'POST' || typeof req.body !== 'string' || !isJson(req.headers['content-type'])) return false;
    const mediaType = REGULAR_ANSWERS.get(req.headers.accept);
    if (!mediaType) return false;
    let params: unknown;
    try {
      params = JSON.parse(req.body);
    } catch {
      return false; // Yoga's answer to invalid JSON
    }
    if (!isOperation(params)) return false;
    // Yoga's plugins (its mutation-via-GET check, the result processors) read the request's method and identity;
    // the body is not in it: the parameters are read already.
    const request = new yoga.fetchAPI.Request(`${req.protocol}://${req.host}${req.url}`, {
      method: 'POST',
      headers: req.headers as Record<string, string>,
    });
    let result: Awaited<ReturnType<typeof yoga.getResultForParams>>;
    try {
      result = await yoga.getResultForParams({ params, request }, { req, reply });
    } catch (error) {
      // A refusal by a parameters hook (Yoga's checks, null bytes): masked and answered as Yoga's own handler does.
      const masked = maskError(error, 'Unexpected error.', false);
      result = { errors: [masked instanceof GraphQLError ? masked : new GraphQLError(masked.message, { originalError: masked })] };
    }
    // Only a plugin that swallowed the operation leaves no result; Yoga would fail on it too.
    if (!result) throw new Error('GraphQL request ended without a result');
    const response = processRegularResult(result, yoga.fetchAPI, mediaType);
    response.headers.forEach((value, key) => {
      reply.header(key, value);
    });
    reply.status(response.status).send(await response.text());
    return true;
  };
}

/** Yoga's test for a JSON body (`isContentTypeMatch`): the first of the listed types, with or without parameters. */
function isJson(contentType: string | undefined): boolean {
  const first = contentType?.split(',')[0];
  return first === 'application/json' || first?.startsWith('application/json;') === true;
}

/** One operation (not a batch) whose text is not a subscription; whether its parameters are valid is Yoga's to say. */
function isOperation(params: unknown): params is GraphQLParams {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return false;
  const { query } = params as { query?: unknown };
  return typeof query !== 'string' || !SUBSCRIPTION.test(query);
}
