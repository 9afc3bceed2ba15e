import type { FastifyInstance } from 'fastify';
import { defineOperation, runOperation } from '../../graphql/execute.ts';
import { type UserNode, userEntity } from '../entities.ts';
import { restErrorFrom, sendJson, unauthorized, userContextFor } from '../http.ts';
import { type RestDeps, requestParams, route } from './deps.ts';

const CurrentUser = defineOperation<{ currentUser: (UserNode & { email: string; admin: boolean }) | null }>(/* GraphQL */ `
  query RestCurrentUser {
    currentUser {
      id username name state avatarUrl webUrl createdAt bio location publicEmail skype linkedin twitter websiteUrl
      organization email admin
    }
  }
`);

export function userRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;
  // Clients (python-gitlab's CLI, gitbeaker) call it first to check their token.
  route(
    app,
    deps,
    { method: 'GET', path: '/user', summary: 'The current user', auth: 'user', status: 200, response: 'User' },
    async (request, reply) => {
      const raw = requestParams(request);
      const result = await runOperation(CurrentUser, {}, await userContextFor(db, settings, request, raw));
      if (result.errors[0]) throw restErrorFrom(result.errors[0]);
      const user = result.data?.currentUser;
      if (!user) throw unauthorized();
      return sendJson(reply, 200, {
        ...userEntity(user),
        locked: false,
        bot: false,
        email: user.email,
        is_admin: user.admin,
        can_create_group: true,
        can_create_project: true,
        two_factor_enabled: false,
        external: false,
        private_profile: false,
      });
    },
  );
}
