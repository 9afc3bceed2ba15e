import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.ts';
import type { ServerSettings } from '../../http/external-url.ts';
import type { RouteDoc } from '../openapi.ts';
import { containsNullByte } from '../../graphql/null-bytes.ts';
import { badRequest } from '../http.ts';
import { mergeParams, type RawParams } from '../params.ts';

/** What every v4 route module needs: the database handle for contexts, and the schema settings. */
export interface RestDeps {
  readonly db: Db;
  readonly settings: ServerSettings;
  /** Every registered route's declaration, for the OpenAPI document. */
  readonly docs: RouteDoc[];
}

/** Registers a route and records its declaration, so the published document is what the server does. */
export function route(
  app: FastifyInstance,
  deps: RestDeps,
  doc: RouteDoc,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  deps.docs.push(doc);
  // The route's credential, for the rate limits: runner and registration tokens are guessed at per IP.
  app.route({ method: doc.method, url: doc.path, handler, config: { credential: doc.auth } });
}

/** The request's parameters as Grape sees them: query and body merged, then the path (which wins). */
export function requestParams(request: FastifyRequest): RawParams {
  const params: RawParams = { ...mergeParams(request.query, request.body), ...(request.params as RawParams) };
  // PostgreSQL cannot store a NUL character: refuse it as Grape refuses a malformed value, before any lookup.
  const poisoned = Object.keys(params).find((name) => containsNullByte(params[name]));
  if (poisoned) throw badRequest(`${poisoned} is invalid`);
  return params;
}

const MAX_ID = 2_147_483_647;

/** Ids beyond the database's integer range cannot exist: answer them as missing, not as bad input. */
export function inIdRange(id: number): boolean {
  return id >= 1 && id <= MAX_ID;
}

const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** HTTP If-Unmodified-Since as a time; an unparseable header is ignored, as GitLab ignores it. */
export function unmodifiedSince(request: FastifyRequest): string | undefined {
  const header = request.headers['if-unmodified-since'];
  if (typeof header !== 'string') return undefined;
  const time = Date.parse(header);
  // A year past 9999 (or before 0) parses, but is no RFC 3339 time: as unparseable as garbage.
  return Number.isNaN(time) || time > MAX_TIME || time < MIN_TIME ? undefined : new Date(time).toISOString();
}
