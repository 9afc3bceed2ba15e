import { issuePersonalAccessToken, revokePersonalAccessToken } from '../../services/personal-access-tokens.ts';
import { createUser } from '../../services/users.ts';
import { builder, WRITE } from '../builder.ts';
import type { Context } from '../context.ts';
import { forbidden, notFound, unauthenticated } from '../../errors.ts';
import { parseGlobalId, toGlobalId } from '../ids.ts';
import { AccessTokenScope } from './enums.ts';
import { NO_ERRORS, withErrorFields, withErrors } from './payload.ts';
import { CurrentUser, UserCore } from './user.ts';

// Users and their personal access tokens: what an administrator sets up before anyone can use the API.

const TOKEN_CLASS = 'PersonalAccessToken';

export const PersonalAccessTokenRef = builder.prismaObject('PersonalAccessToken', {
  name: 'PersonalAccessToken',
  description: 'A personal access token. Only its digest is stored; the token itself is shown once, on creation.',
  fields: (t) => ({
    id: t.id({
      description: 'Global ID, such as "gid://gitlab/PersonalAccessToken/1".',
      resolve: (token) => toGlobalId(TOKEN_CLASS, token.id),
    }),
    name: t.exposeString('name'),
    scopes: t.field({ type: [AccessTokenScope], resolve: (token) => token.scopes }),
    expiresAt: t.expose('expiresAt', { type: 'Time', nullable: true }),
    revoked: t.exposeBoolean('revoked'),
    active: t.boolean({
      description: 'Neither revoked nor expired.',
      resolve: (token) => !token.revoked && (!token.expiresAt || token.expiresAt.getTime() > Date.now()),
    }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'Time', nullable: true }),
  }),
});

builder.prismaObjectField(CurrentUser, 'personalAccessTokens', (t) =>
  t.relation('tokens', {
    description: 'Your personal access tokens, revoked and expired ones included, oldest first.',
    query: { orderBy: { id: 'asc' } },
  }),
);

function viewerId(ctx: Context): number {
  // The mutations' auth scopes already refused anonymous requests; this keeps the types honest.
  if (!ctx.viewer) throw unauthenticated('missing');
  return ctx.viewer.id;
}

withErrorFields(
  builder.relayMutationField(
    'userCreate',
    {
      description: 'Creates a user. Administrators only.',
      inputFields: (t) => ({
        username: t.string({ required: true, description: "Letters, digits, '_', '-' and '.'; unique regardless of case." }),
        name: t.string({ required: true }),
        email: t.string({ required: true, description: 'Unique regardless of case; stored in lower case.' }),
        admin: t.boolean({ description: 'Whether the user is an administrator. Default false.' }),
        bio: t.string(),
        location: t.string(),
        publicEmail: t.string({ description: "Shown on the profile; must be the user's own email." }),
        skype: t.string(),
        linkedin: t.string(),
        twitter: t.string(),
        websiteUrl: t.string({ description: 'An http(s) URL.' }),
        organization: t.string(),
        avatarUrl: t.string({ description: 'An http(s) URL.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        if (!ctx.access.isAdmin) throw forbidden();
        return withErrors(async () => ({ user: await createUser(ctx.db, input) }));
      },
    },
    {
      name: 'UserCreatePayload',
      outputFields: (t) => ({
        user: t.field({ type: UserCore, nullable: true, resolve: (payload) => payload.user ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'personalAccessTokenCreate',
    {
      description: 'Creates a personal access token for yourself or, as an administrator, for any user.',
      inputFields: (t) => ({
        userId: t.field({ type: 'UserID', description: 'Whose token it is. Default: yours.' }),
        name: t.string({ required: true }),
        scopes: t.field({ type: [AccessTokenScope], required: true, description: 'At least one.' }),
        expiresAt: t.field({ type: 'Time', description: 'In the future. Default: the token never expires.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const self = viewerId(ctx);
        const userId = input.userId ?? self;
        if (userId !== self) {
          if (!ctx.access.isAdmin) throw forbidden();
          const user = await ctx.db.user.findUnique({ where: { id: userId }, select: { id: true } });
          if (!user) throw notFound('User');
        }
        return withErrors(async () => {
          const { token, record } = await issuePersonalAccessToken(ctx.db, {
            userId,
            name: input.name,
            scopes: input.scopes,
            expiresAt: input.expiresAt,
          });
          return { token, personalAccessToken: record };
        });
      },
    },
    {
      name: 'PersonalAccessTokenCreatePayload',
      outputFields: (t) => ({
        token: t.string({
          nullable: true,
          description: 'The token itself: shown this once, never again.',
          resolve: (payload) => payload.token ?? null,
        }),
        personalAccessToken: t.field({
          type: PersonalAccessTokenRef,
          nullable: true,
          resolve: (payload) => payload.personalAccessToken ?? null,
        }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'personalAccessTokenRevoke',
    {
      description: "Revokes a personal access token: yours, or as an administrator anyone's. It stops working at once.",
      inputFields: (t) => ({
        id: t.id({ required: true, description: 'Global ID of the token, such as "gid://gitlab/PersonalAccessToken/1".' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const id = parseGlobalId(input.id, TOKEN_CLASS);
        const token = await ctx.db.personalAccessToken.findUnique({ where: { id }, select: { userId: true } });
        // Somebody else's token is as good as absent: its existence is nobody else's business.
        if (!token || (!ctx.access.isAdmin && token.userId !== viewerId(ctx))) throw notFound('Token');
        return { personalAccessToken: await revokePersonalAccessToken(ctx.db, id), ...NO_ERRORS };
      },
    },
    {
      name: 'PersonalAccessTokenRevokePayload',
      outputFields: (t) => ({
        personalAccessToken: t.field({
          type: PersonalAccessTokenRef,
          nullable: true,
          resolve: (payload) => payload.personalAccessToken ?? null,
        }),
      }),
    },
  ),
);
