import { groupRunnersWhere, projectRunnersWhere } from '../../runners/scopes.ts';
import { builder } from '../builder.ts';
import { CiRunnerMembershipFilter } from './enums.ts';
import { GroupRef } from './group.ts';
import { ProjectRef } from './project.ts';
import { CiRunnerConnection } from './runner.ts';
import { countRunners, findRunners, runnerListArgs } from './runner-list.ts';
import { listedIn } from './runner-urls.ts';

// A group's and a project's runners, added to those types here: a runner's own fields lead to its groups and
// projects, so the namespace modules never import the runner module, and no two schema modules import each other.

builder.prismaObjectField(GroupRef, 'runners', (t) =>
  t.prismaConnection(
    {
      type: 'Runner',
      cursor: 'id',
      nullable: true,
      args: {
        ...runnerListArgs,
        membership: t.arg({ type: CiRunnerMembershipFilter, defaultValue: 'descendants' }),
      },
      description: "The group's runners; Maintainers and Owners of the group may list them.",
      authScopes: (group, _args, ctx) => ctx.access.listsGroupRunners(group),
      totalCount: (group, args, ctx) => countRunners(ctx, groupRunnersWhere(group, args.membership ?? 'descendants'), args),
      resolve: async (query, group, args, ctx) =>
        listedIn(await findRunners(ctx, query, groupRunnersWhere(group, args.membership ?? 'descendants'), args), {
          kind: 'group',
          fullPath: group.fullPath,
        }),
    },
    CiRunnerConnection,
  ),
);

builder.prismaObjectField(ProjectRef, 'runners', (t) =>
  t.prismaConnection(
    {
      type: 'Runner',
      cursor: 'id',
      nullable: true,
      args: runnerListArgs,
      description: "Runners the project can use: its own, its groups' and the instance's. Maintainers may list them.",
      authScopes: (project, _args, ctx) => ctx.access.listsProjectRunners(project),
      totalCount: (project, args, ctx) => countRunners(ctx, projectRunnersWhere(project), args),
      resolve: async (query, project, args, ctx) =>
        listedIn(await findRunners(ctx, query, projectRunnersWhere(project), args), {
          kind: 'project',
          fullPath: project.pathWithNamespace,
        }),
    },
    CiRunnerConnection,
  ),
);
