import { builder, READ, WRITE } from '../builder.ts';
import { forbidden, notFound } from '../../errors.ts';
import { GroupRef } from './group.ts';
import { NO_ERRORS, withErrorFields } from './payload.ts';

// GitLab's NamespaceCiCdSetting, as far as runners go: whether the periodic prune deletes a group's stale runners.

interface CiCdSettings {
  groupId: number;
  allowStaleRunnerPruning: boolean;
}

const NamespaceCiCdSetting = builder.objectRef<CiCdSettings>('NamespaceCiCdSetting').implement({
  description: "A group's CI/CD settings (GitLab's NamespaceCiCdSetting).",
  fields: (t) => ({
    allowStaleRunnerPruning: t.exposeBoolean('allowStaleRunnerPruning', {
      description: 'Whether stale runners directly belonging to the group are periodically deleted.',
    }),
    namespace: t.prismaField({
      type: GroupRef,
      nullable: true,
      description: 'The group the settings belong to.',
      resolve: (query, settings, _args, ctx) => ctx.db.group.findUnique({ ...query, where: { id: settings.groupId } }),
    }),
  }),
});

builder.prismaObjectField(GroupRef, 'allowStaleRunnerPruning', (t) =>
  t.exposeBoolean('allowStaleRunnerPruning', {
    nullable: true,
    description:
      "Whether the group's stale group runners are periodically deleted (GitLab's namespace CI/CD setting). Visible to " +
      'those who may list its runners.',
    authScopes: (group, _args, ctx) => ctx.access.listsGroupRunners(group),
    unauthorizedResolver: () => null,
  }),
);

builder.prismaObjectField(GroupRef, 'ciCdSettings', (t) =>
  t.field({
    type: NamespaceCiCdSetting,
    nullable: true,
    description: "The group's CI/CD settings; its Maintainers and Owners may read them.",
    authScopes: { token: READ },
    resolve: (group, _args, ctx) =>
      ctx.access.listsGroupRunners(group) ? { groupId: group.id, allowStaleRunnerPruning: group.allowStaleRunnerPruning } : null,
  }),
);

withErrorFields(
  builder.relayMutationField(
    'namespaceCiCdSettingsUpdate',
    {
      description:
        "Changes a group's CI/CD settings (GitLab's mutation of the same name): `allowStaleRunnerPruning` lets the periodic " +
        "prune delete the group's stale group runners. Owners of the group (and admins) only.",
      inputFields: (t) => ({
        fullPath: t.id({ required: true, description: 'Full path of the group the settings belong to.' }),
        allowStaleRunnerPruning: t.boolean({ description: 'Whether stale runners directly in the group are periodically deleted.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const group = await ctx.db.group.findUnique({
          where: { fullPath: String(input.fullPath) },
          select: { id: true, traversalIds: true, visibility: true, allowStaleRunnerPruning: true },
        });
        if (!group || !ctx.access.canReadGroup(group)) throw notFound('Group');
        if (!ctx.access.administersGroupRunners(group)) throw forbidden();
        const allowStaleRunnerPruning = input.allowStaleRunnerPruning ?? group.allowStaleRunnerPruning;
        await ctx.db.group.update({ where: { id: group.id }, data: { allowStaleRunnerPruning } });
        return { ciCdSettings: { groupId: group.id, allowStaleRunnerPruning }, ...NO_ERRORS };
      },
    },
    {
      name: 'NamespaceCiCdSettingsUpdatePayload',
      outputFields: (t) => ({
        ciCdSettings: t.field({
          type: NamespaceCiCdSetting,
          description: 'The settings after the change.',
          resolve: (p) => p.ciCdSettings,
        }),
      }),
    },
  ),
);
