import type { Plugin } from 'graphql-yoga';

/** What Yoga can answer in: JSON both ways, and the streaming formats of incremental delivery. */
const ANSWERABLE = ['application/graphql-response+json', 'application/json', 'multipart/mixed', 'text/event-stream'];

/** Whether an Accept header admits any of `types` (a `q=0` range admits nothing). */
export function accepts(header: string, types: readonly string[]): boolean {
  return header.split(',').some((range) => {
    const [mediaRange = '', ...params] = range.trim().toLowerCase().split(';');
    if (params.some((param) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(param))) return false;
    const [type, subtype] = mediaRange.trim().split('/');
    return types.some((candidate) => {
      const [candidateType, candidateSubtype] = candidate.split('/');
      return (type === '*' || type === candidateType) && (subtype === '*' || subtype === candidateSubtype);
    });
  });
}

/**
 * Refuses, before anything runs, a request whose Accept header admits no format the answer could take. Yoga
 * negotiates only once the result exists: a mutation sent with `Accept: image/png` was executed, then answered
 * 406, so the client was told it failed when it had not. GET may also ask for the GraphiQL page (text/html).
 */
export function refuseUnacceptable(options: { graphiql: boolean }): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const header = request.headers.get('accept');
      if (!header) return;
      const types = options.graphiql && request.method === 'GET' ? [...ANSWERABLE, 'text/html'] : ANSWERABLE;
      if (accepts(header, types)) return;
      const body = {
        errors: [{ message: `Not Acceptable: answers are one of ${ANSWERABLE.join(', ')}`, extensions: { code: 'NOT_ACCEPTABLE' } }],
      };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), { status: 406, headers: { 'content-type': 'application/json; charset=utf-8' } }),
      );
    },
  };
}
