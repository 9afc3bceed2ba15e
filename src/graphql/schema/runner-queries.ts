import { PROJECT_FACTS_SELECT } from '../../auth/access.ts';
import { assignableToProjectWhere } from '../../runners/assignable.ts';
import { ownedRunnersScope } from '../../runners/scopes.ts';
import { countLimit } from '../count-limit.ts';
import type { Context } from '../context.ts';
import { builder, READ, READ_RUNNER } from '../builder.ts';
import { CiRunnerConnection, RunnerRef } from './runner.ts';
import { countRunners, findRunners, runnerListArgs } from './runner-list.ts';
import { CurrentUser } from './user.ts';

builder.queryFields((t) => ({
  runner: t.prismaField({
    type: RunnerRef,
    nullable: true,
    description:
      'A runner by global ID; null if there is none or you may not read it (the two are answered alike, as GitLab ' +
      'does, so ids cannot be probed).',
    authScopes: { token: READ_RUNNER },
    args: { id: t.arg({ type: 'CiRunnerID', required: true }) },
    resolve: async (query, _root, { id }, ctx) => {
      if (!ctx.access.isAdmin) {
        const facts = await ctx.runnerFacts.load(id);
        if (!facts) return null;
        if (!(await ctx.policy.canRead(facts))) {
          // GitLab REST tells the two apart (404, then 403 "No access granted"); its routes run this field.
          if (ctx.transport.api === 'rest') await ctx.policy.assertRead(facts);
          return null;
        }
      }
      return ctx.db.runner.findUnique({ ...query, where: { id } });
    },
  }),
  runners: t.prismaConnection(
    {
      type: 'Runner',
      cursor: 'id',
      nullable: true,
      description: 'Every runner of the instance. Administrators only.',
      authScopes: { $all: { token: READ, admin: true } },
      args: runnerListArgs,
      totalCount: (_root, args, ctx) => countRunners(ctx, null, args, countLimit(ctx)),
      resolve: (query, _root, args, ctx) => findRunners(ctx, query, null, args),
    },
    CiRunnerConnection,
  ),
}));

/** The runners the viewer administers, narrowed to those they could assign to a project when one is named. */
async function userRunners(ctx: Context, assignableToProjectPath: string | number | null | undefined) {
  const owned = ownedRunnersScope(ctx.access);
  if (assignableToProjectPath === null || assignableToProjectPath === undefined) return { scope: owned };
  const project = await ctx.db.project.findUnique({
    where: { pathWithNamespace: String(assignableToProjectPath) },
    select: PROJECT_FACTS_SELECT,
  });
  if (!project || !ctx.access.canReadProject(project)) return { scope: owned, also: { id: { in: [] } } };
  return { scope: owned, also: assignableToProjectWhere(project.id) };
}

builder.prismaObjectField(CurrentUser, 'runners', (t) =>
  t.prismaConnection(
    {
      type: 'Runner',
      cursor: 'id',
      nullable: true,
      description:
        'Runners you administer: project runners of projects you maintain and group runners of groups you own ' +
        '(with their subgroups). Instance runners are never listed here.',
      authScopes: { token: READ },
      args: {
        ...runnerListArgs,
        assignableToProjectPath: t.arg.id({
          description:
            'Path of a project. When set, returns runners that can be assigned to a project, are not locked, and not ' +
            'already assigned to the project. A project you cannot see has none.',
        }),
      },
      totalCount: (_user, args, ctx) => {
        const limit = countLimit(ctx);
        return userRunners(ctx, args.assignableToProjectPath).then(({ scope, also }) => countRunners(ctx, scope, args, limit, also));
      },
      resolve: async (query, _user, args, ctx) => {
        const { scope, also } = await userRunners(ctx, args.assignableToProjectPath);
        return findRunners(ctx, query, scope, args, also);
      },
    },
    CiRunnerConnection,
  ),
);
