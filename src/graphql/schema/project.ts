import { builder, READ, type PrismaRef } from '../builder.ts';
import { badInput } from '../../errors.ts';

export const ProjectRef: PrismaRef<'Project'> = builder.prismaObject('Project', {
  name: 'Project',
  fields: (t) => ({
    id: t.expose('id', { type: 'ProjectID' }),
    name: t.exposeString('name'),
    path: t.exposeString('path'),
    fullPath: t.exposeString('pathWithNamespace'),
    nameWithNamespace: t.exposeString('nameWithNamespace'),
    description: t.exposeString('description', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
    webUrl: t.string({
      resolve: (project, _args, { settings }) => `${settings.externalUrl}/${project.pathWithNamespace}`,
    }),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true, description: "URL of the project's avatar; null when it has none." }),
    sharedRunnersEnabled: t.exposeBoolean('sharedRunnersEnabled'),
    groupRunnersEnabled: t.exposeBoolean('groupRunnersEnabled'),
    group: t.relation('group', {
      nullable: true,
      description: "The project's group, if you can see it.",
      // The project's traversalIds are its group's, so no group row is needed to decide.
      authScopes: (project, _args, ctx) => ctx.access.canReadGroup(project),
      unauthorizedResolver: () => null,
    }),
  }),
});

export const ProjectConnection = builder.connectionObject({ type: ProjectRef, name: 'ProjectConnection' }, { name: 'ProjectEdge' });

builder.queryField('project', (t) =>
  t.prismaField({
    type: ProjectRef,
    nullable: true,
    description: 'A project by full path (or id); null when it does not exist or you cannot see it.',
    authScopes: { token: READ },
    args: {
      fullPath: t.arg.id({ description: 'Full path of the project, e.g. "gitlab-org/gitlab".' }),
      id: t.arg({ type: 'ProjectID' }),
    },
    resolve: async (query, _root, { fullPath, id }, ctx) => {
      if ((fullPath == null) === (id == null)) throw badInput('Give exactly one of fullPath and id');
      const where = id ? { id } : { pathWithNamespace: String(fullPath) };
      const project = await ctx.db.project.findUnique({ ...query, where });
      return project && ctx.access.canReadProject(project) ? project : null;
    },
  }),
);
