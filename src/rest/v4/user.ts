import type { FastifyInstance } from 'fastify';
import { defineOperation } from '../../graphql/execute.ts';
import { UserFragment, userEntity } from '../entities.ts';
import { graphql } from '../graphql.ts';
import { sendJson, unauthorized, userContextFor } from '../http.ts';
import { perform } from '../operations.ts';
import { type RestDeps, requestParams, route } from './deps.ts';

const CurrentUser = defineOperation(graphql(`query RestCurrentUser { currentUser { ...RestUser email admin } }`, [UserFragment]));

export function userRoutes(app: FastifyInstance, deps: RestDeps) {
  const { db, settings } = deps;
  // Clients (python-gitlab's CLI, gitbeaker) call it first to check their token.
  route(
    app,
    deps,
    { method: 'GET', path: '/user', summary: 'The current user', auth: 'user', status: 200, response: 'User' },
    async (request, reply) => {
      const raw = requestParams(request);
      const data = await perform(CurrentUser, {}, await userContextFor(db, settings, request, raw));
      const user = data.currentUser;
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
