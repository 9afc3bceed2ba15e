import { builder, READ, type PrismaRef } from '../builder.ts';
import { badInput } from '../../errors.ts';

export const GroupRef: PrismaRef<'Group'> = builder.prismaObject('Group', {
  name: 'Group',
  fields: (t) => ({
    id: t.expose('id', { type: 'GroupID' }),
    name: t.exposeString('name'),
    path: t.exposeString('path'),
    fullPath: t.exposeString('fullPath'),
    fullName: t.exposeString('fullName'),
    description: t.exposeString('description', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
    webUrl: t.string({ resolve: (group, _args, { settings }) => `${settings.externalUrl}/groups/${group.fullPath}` }),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true, description: "URL of the group's avatar; null when it has none." }),
    sharedRunnersEnabled: t.exposeBoolean('sharedRunnersEnabled'),
    // A String in GitLab's schema, not its VisibilityLevelsEnum: `private`, `internal` or `public`.
    visibility: t.exposeString('visibility', { nullable: true, description: 'Visibility of the namespace.' }),
    parent: t.field({
      type: GroupRef,
      nullable: true,
      description: 'The parent group, if you can see it.',
      // Loaded with the group: whether it may be read depends on the parent's own visibility.
      select: { parent: true },
      resolve: (group, _args, ctx) => (group.parent && ctx.access.canReadGroup(group.parent) ? group.parent : null),
    }),
  }),
});

export const GroupConnection = builder.connectionObject({ type: GroupRef, name: 'GroupConnection' }, { name: 'GroupEdge' });

builder.queryField('group', (t) =>
  t.prismaField({
    type: GroupRef,
    nullable: true,
    description:
      'A group by full path (or id); null when it does not exist or you cannot see it. Public groups are read without ' +
      'a token, internal ones by anyone signed in.',
    // Anonymous callers may ask: the group's visibility decides (a token still needs a reading scope).
    authScopes: (_root, _args, ctx) => (ctx.viewer ? { token: READ } : true),
    args: {
      fullPath: t.arg.id({ description: 'Full path of the group, e.g. "gitlab-org/ci".' }),
      id: t.arg({ type: 'GroupID' }),
    },
    resolve: async (query, _root, { fullPath, id }, ctx) => {
      if ((fullPath == null) === (id == null)) throw badInput('Give exactly one of fullPath and id');
      const where = id ? { id } : { fullPath: String(fullPath) };
      const group = await ctx.db.group.findUnique({ ...query, where });
      return group && ctx.access.canReadGroup(group) ? group : null;
    },
  }),
);
