import { builder } from '../builder.ts';
import { AccessTokenScope, UserState } from './enums.ts';

/** GitLab's `User` interface: the public profile every user type shares. */
export const UserInterface = builder.prismaInterface('User', {
  name: 'User',
  fields: (t) => ({
    id: t.expose('id', { type: 'UserID' }),
    username: t.exposeString('username'),
    name: t.exposeString('name'),
    state: t.expose('state', { type: UserState }),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true }),
    webUrl: t.string({
      description: "Web URL of the user's profile.",
      resolve: (user, _args, { settings }) => `${settings.externalUrl}/${user.username}`,
    }),
    webPath: t.string({ description: "Web path of the user's profile.", resolve: (user) => `/${user.username}` }),
    bio: t.exposeString('bio'),
    location: t.exposeString('location'),
    publicEmail: t.exposeString('publicEmail'),
    skype: t.exposeString('skype'),
    linkedin: t.exposeString('linkedin'),
    twitter: t.exposeString('twitter'),
    websiteUrl: t.exposeString('websiteUrl'),
    organization: t.exposeString('organization', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
  }),
  resolveType: (user, { viewer }) => (viewer?.id === user.id ? 'CurrentUser' : 'UserCore'),
});

export const UserCore = builder.prismaObject('User', {
  variant: 'UserCore',
  interfaces: [UserInterface],
  description: 'Core representation of a GitLab user.',
  fields: () => ({}),
});

export const CurrentUser = builder.prismaObject('User', {
  variant: 'CurrentUser',
  interfaces: [UserInterface],
  description: 'The user the request is authenticated as.',
  fields: (t) => ({
    email: t.exposeString('email'),
    admin: t.exposeBoolean('admin', { description: 'Whether the user is an administrator of this instance.' }),
    tokenScopes: t.field({
      type: [AccessTokenScope],
      description: 'The scopes of the personal access token this request authenticated with.',
      resolve: (_user, _args, { viewer }) => viewer?.scopes ?? [],
    }),
  }),
});

builder.queryField('currentUser', (t) =>
  t.prismaField({
    type: CurrentUser,
    nullable: true,
    description: 'The user the request is authenticated as; null without a token.',
    resolve: (query, _root, _args, { db, viewer }) => (viewer ? db.user.findUnique({ ...query, where: { id: viewer.id } }) : null),
  }),
);
