import type { FastifyInstance } from 'fastify';

/**
 * A body of zero bytes carries no parameters, whatever its `Content-Type` says. Real clients send such bodies
 * all the time (python-gitlab: `Content-Type: application/json` with nothing after it, on every DELETE), and
 * Fastify's parsers would refuse them (400 "Body cannot be empty…" for JSON, "Boundary not found" for
 * multipart, 415 for a malformed type). Dropping the header of an empty body makes the request what it is: one
 * without a body. Runs before everything else that reads the body.
 */
export function ignoreEmptyBodies(app: FastifyInstance): void {
  // A callback hook: it does no I/O, so it need not cost every request a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const { headers } = request.raw;
    const length = headers['content-length'];
    if (headers['content-type'] !== undefined && headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
      delete headers['content-type'];
    }
    done();
  });
  // A chunked body can still turn out empty: JSON's parser takes that as no body too, not as invalid JSON.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') return done(null, undefined);
    return json(request, text, done);
  });
}

/**
 * /graphql's bodies go to Yoga as the text they are, so that Yoga reads them itself. Parsed here, `{}` would reach
 * Yoga as an object without keys, which it takes for "no parsed body" and answers "POST body sent invalid JSON";
 * as text, it is the GraphQL request it is: one without a query ("Must provide query string."). Registered in
 * the GraphQL routes' own scope.
 */
export function rawGraphQLBodies(scope: FastifyInstance): void {
  scope.removeContentTypeParser(['application/json']);
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
}
