import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { databaseFailure } from '../../graphql/errors.ts';
import { externalUrlOf } from '../../http/external-url.ts';
import type { KnownPaths } from '../../http/methods.ts';
import { RestError, refuseMethod, restErrorFrom, sendJson } from '../http.ts';
import { multipartFields } from '../multipart.ts';
import { ParamError } from '../params.ts';
import { openApiDocument } from '../openapi.ts';
import type { RestDeps } from './deps.ts';
import { applicationSettingsRoutes, planLimitRoutes } from './application-settings.ts';
import { auditEventRoutes } from './audit-events.ts';
import { runnerJobRoutes } from './runner-jobs.ts';
import { runnerManagerRoutes } from './runner-managers.ts';
import { runnerRoutes } from './runners.ts';
import { namespaceRunnerRoutes } from './namespaces.ts';
import { userRoutes } from './user.ts';
import { projectRunnerRoutes } from './project-runners.ts';
import { runnerTokenRoutes } from './runner-tokens.ts';
import { userRunnerTokenRoutes } from './user-runner-tokens.ts';
import { versionRoutes } from './version.ts';

/** GitLab's api/v4, as far as runners go: every route runs an operation on the GraphQL schema. */
export async function v4Routes(app: FastifyInstance, options: Omit<RestDeps, 'docs'> & { knownPaths: KnownPaths }) {
  const deps: RestDeps = { db: options.db, settings: options.settings, docs: [] };
  // The docs' `curl --form` sends multipart; fields only, as plain values, as Grape reads them.
  await app.register(formbody);
  await multipartFields(app);
  // GitLab reads DELETE bodies too, and clients send them with any content type (an empty one never gets here:
  // see ignoreEmptyBodies).
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  runnerRoutes(app, deps);
  runnerJobRoutes(app, deps);
  runnerManagerRoutes(app, deps);
  namespaceRunnerRoutes(app, deps);
  userRoutes(app, deps);
  runnerTokenRoutes(app, deps);
  userRunnerTokenRoutes(app, deps);
  projectRunnerRoutes(app, deps);
  versionRoutes(app, deps);
  applicationSettingsRoutes(app, deps);
  planLimitRoutes(app, deps);
  auditEventRoutes(app, deps);

  // One document per base URL it has been asked from (one, with EXTERNAL_URL set).
  const documents = new Map<string, ReturnType<typeof openApiDocument>>();
  app.get('/openapi.json', async (request, reply) => {
    const base = externalUrlOf(request, deps.settings.externalUrl);
    let document = documents.get(base);
    if (!document) {
      document = openApiDocument(deps.docs, base);
      if (documents.size < 100) documents.set(base, document);
    }
    return sendJson(reply, 200, document);
  });

  app.setNotFoundHandler((request, reply) => {
    if (!refuseMethod(request, reply, options.knownPaths)) sendJson(reply, 404, { error: '404 Not Found' });
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ParamError) return sendJson(reply, 400, { error: error.message });
    if (error instanceof RestError) {
      if (error.status === 500) request.log.error({ err: error, cause: error.cause }, 'unexpected error in api/v4');
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return sendJson(reply, error.status, error.body);
    }
    const database = databaseFailure(error);
    if (database) {
      // Down, or a value PostgreSQL refused: 503 or 400, never a 500.
      request.log.warn({ err: error }, 'database failure in api/v4');
      const answer = restErrorFrom(database);
      return sendJson(reply, answer.status, answer.body);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      // Body parsing failed (malformed JSON, a too-large body, a broken multipart stream): the client's fault.
      return sendJson(reply, status, { error: error instanceof Error ? error.message : String(error) });
    }
    request.log.error({ err: error }, 'unexpected error in api/v4');
    return sendJson(reply, 500, { message: '500 Internal Server Error' });
  });
}
