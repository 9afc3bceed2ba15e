import type { RawResponse } from './client.ts';

/**
 * What every answer must be, whatever was asked. Each check returns what is wrong with the answer, or null.
 */

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/** GitLab's api/v4 shapes: `{"error": "…"}` for parameter errors, `{"message": …}` for the rest, as application/json. */
export function restViolation(response: RawResponse): string | null {
  if (response.status >= 500) return `server error ${response.status}`;
  if (response.status === 204) return response.text === '' ? null : 'a 204 with a body';
  if (response.status < 400) return response.json === undefined ? `a ${response.status} whose body is not JSON` : null;
  if (response.headers['content-type'] !== 'application/json')
    return `a ${response.status} as ${response.headers['content-type']}, not application/json`;
  const body = response.json;
  if (!isObject(body)) return `a ${response.status} whose body is not a JSON object`;
  const error = typeof body.error === 'string' && body.error.length > 0;
  const message = (typeof body.message === 'string' && body.message.length > 0) || isObject(body.message);
  if (!error && !message) return `a ${response.status} with neither "error" nor "message"`;
  return null;
}

type GraphQLBody = { data?: Record<string, unknown> | null; errors?: unknown[] };

/**
 * GraphQL: JSON with `data` or `errors`, every error with a message and a code, and never an internal error.
 * The one exception is asked for: a browser's GET (Accept: text/html) gets the GraphiQL page.
 */
export function graphqlViolation(response: RawResponse, request: { method: string; accept?: string }): string | null {
  if (response.status >= 500) return `server error ${response.status}`;
  const type = String(response.headers['content-type'] ?? '');
  const { accept } = request;
  if (request.method === 'GET' && accept?.includes('text/html') && response.status === 200 && type.startsWith('text/html')) return null;
  // Headers too large for Node's HTTP parser: refused before any route, so before GraphQL, in Fastify's shape.
  if (response.status === 431) return restViolation(response);
  if (!/^application\/(graphql-response\+)?json/.test(type)) return `a ${response.status} as ${type}`;
  const body = response.json as GraphQLBody | undefined;
  if (!isObject(body)) return `a ${response.status} whose body is not a JSON object`;
  if (!('data' in body) && !Array.isArray(body.errors)) return 'neither data nor errors';
  if (response.status >= 400 && !body.errors?.length) return `a ${response.status} without errors`;
  for (const error of body.errors ?? []) {
    if (!isObject(error) || typeof error.message !== 'string') return 'an error without a message';
    const code = isObject(error.extensions) ? error.extensions.code : undefined;
    if (typeof code !== 'string' || !code) return `an error without extensions.code: ${JSON.stringify(error).slice(0, 300)}`;
    if (code === 'INTERNAL_SERVER_ERROR') return `an internal error: ${JSON.stringify(error).slice(0, 300)}`;
    if (isObject(error.extensions) && 'http' in error.extensions) return 'extensions.http leaked into the answer';
  }
  return null;
}

/**
 * Whether a GraphQL mutation answer says nothing was done: an error in place of the payload, or a payload whose
 * `errors` list is not empty and whose counts (`updatedCount`, `deletedCount`: GitLab's bulk mutations do what they
 * may and list the rest as errors) are zero. The fuzzer always selects those fields, unaliased.
 */
export function graphqlRejected(response: RawResponse, mutationFields: readonly string[]): boolean {
  // Not the status: one refused field sets it (401 for a bad token) while its sibling fields may have succeeded.
  const body = response.json as GraphQLBody | undefined;
  const data = body?.data;
  if (!data) return true;
  return mutationFields.every((alias) => {
    const payload = data[alias];
    if (!isObject(payload)) return true;
    const didSome = Object.entries(payload).some(([key, value]) => key.endsWith('Count') && typeof value === 'number' && value > 0);
    return Array.isArray(payload.errors) && payload.errors.length > 0 && !didSome;
  });
}

/** The codes of a GraphQL answer's errors, or `ok`/`refused` for a mutation's payload, for the run's summary. */
export function graphqlOutcome(response: RawResponse, mutationFields: readonly string[]): string | null {
  const body = response.json as GraphQLBody | undefined;
  const codes = (body?.errors ?? []).map((error) => (isObject(error) && isObject(error.extensions) ? String(error.extensions.code) : '?'));
  if (codes.length) return [...new Set(codes)].sort().join('+');
  if (!mutationFields.length) return body?.data ? 'data' : null;
  return graphqlRejected(response, mutationFields) ? 'payload-errors' : 'mutated';
}
