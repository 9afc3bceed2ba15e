import { builder, READ, type PrismaRef } from '../builder.ts';
import { badInput } from '../../errors.ts';
import { GroupRef } from './group.ts';

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
    // A String in GitLab's schema, not its VisibilityLevelsEnum: `private`, `internal` or `public`.
    visibility: t.exposeString('visibility', { nullable: true, description: 'Visibility of the project.' }),
    group: t.field({
      type: GroupRef,
      nullable: true,
      description: "The project's group, if you can see it.",
      // Loaded with the project: whether it may be read depends on the group's own visibility, not the project's.
      select: { group: true },
      resolve: (project, _args, ctx) => (project.group && ctx.access.canReadGroup(project.group) ? project.group : null),
    }),
  }),
});

export const ProjectConnection = builder.connectionObject({ type: ProjectRef, name: 'ProjectConnection' }, { name: 'ProjectEdge' });

builder.queryField('project', (t) =>
  t.prismaField({
    type: ProjectRef,
    nullable: true,
    description:
      'A project by full path (or id); null when it does not exist or you cannot see it. Public projects are read ' +
      'without a token, internal ones by anyone signed in.',
    // Anonymous callers may ask: the project's visibility decides (a token still needs a reading scope).
    authScopes: (_root, _args, ctx) => (ctx.viewer ? { token: READ } : true),
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
