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
    parent: t.relation('parent', {
      nullable: true,
      description: 'The parent group, if you can see it.',
      // The group's traversalIds end with its own id; the rest are its parent's, so no row is needed to decide.
      authScopes: (group, _args, ctx) => ctx.access.canReadGroup({ traversalIds: group.traversalIds.slice(0, -1) }),
      unauthorizedResolver: () => null,
    }),
  }),
});

export const GroupConnection = builder.connectionObject({ type: GroupRef, name: 'GroupConnection' }, { name: 'GroupEdge' });

builder.queryField('group', (t) =>
  t.prismaField({
    type: GroupRef,
    nullable: true,
    description: 'A group by full path (or id); null when it does not exist or you cannot see it.',
    authScopes: { token: READ },
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
