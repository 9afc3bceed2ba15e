import type { FastifyInstance } from 'fastify';
import { sendJson, userContextFor } from '../http.ts';
import { type RestDeps, requestParams, route } from './deps.ts';

/**
 * The GitLab version we answer as. Clients gate features on it (python-gitlab's `gl.version()`, tools that pick
 * the runner-creation flow of GitLab 15.10+), so it names the GitLab release whose runners API this shim
 * reproduces, not this project's own version: 17.5, the newest release the shim's endpoints and fields follow.
 * The revision names the gateway, so that nobody mistakes it for a GitLab build.
 */
export const GITLAB_VERSION = '17.5.0';
export const REVISION = 'runners-gateway';

/** GitLab's `Entities::Metadata`; we run no agent server (KAS) and are no Enterprise edition. */
const METADATA = {
  version: GITLAB_VERSION,
  revision: REVISION,
  kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
  enterprise: false,
};

/** `GET /version` and `GET /metadata`: the same answer in GitLab 15.5+, for any authenticated user. */
export function versionRoutes(app: FastifyInstance, deps: RestDeps) {
  for (const path of ['/version', '/metadata']) {
    route(
      app,
      deps,
      {
        method: 'GET',
        path,
        summary: 'The GitLab version this API answers as',
        auth: 'user',
        status: 200,
        response: 'Metadata',
      },
      async (request, reply) => {
        await userContextFor(deps.db, deps.settings, request, requestParams(request));
        return sendJson(reply, 200, METADATA);
      },
    );
  }
}
