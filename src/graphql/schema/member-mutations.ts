import { AccessLevel } from '../../auth/access-level.ts';
import { PROJECT_FACTS_SELECT } from '../../auth/access.ts';
import { removeGroupMember, removeProjectMember, updateGroupMember, updateProjectMember } from '../../services/members.ts';
import { builder, WRITE } from '../builder.ts';
import type { Context } from '../context.ts';
import { forbidden, notFound } from '../../errors.ts';
import { AccessLevelEnum } from './enums.ts';
import { GroupMemberRef, groupWithLevel, ProjectMemberRef } from './namespace-mutations.ts';
import { NO_ERRORS, withErrorFields, withErrors } from './payload.ts';

// Changing and removing memberships (GitLab's groupMemberBulkUpdate / projectMemberBulkUpdate and the members API's
// PUT and DELETE). Group members are managed by the group's Owners, project members by Maintainers and up; anyone
// may leave. Only direct memberships change here; inherited access is changed where it is granted.

const isViewer = (ctx: Context, userId: number) => ctx.viewer?.id === userId;

/** The project, visible to the viewer (NOT_FOUND otherwise), and the viewer's level in it. */
async function projectAndLevel(ctx: Context, projectId: number) {
  const project = await ctx.db.project.findUnique({ where: { id: projectId }, select: PROJECT_FACTS_SELECT });
  if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
  return ctx.access.isAdmin ? AccessLevel.OWNER : ctx.access.projectLevel(project);
}

withErrorFields(
  builder.relayMutationField(
    'groupMemberUpdate',
    {
      description:
        "Changes a user's level in a group (Owners and administrators). Not below a level the user inherits from an " +
        'ancestor group; the last Owner stays an Owner (FORBIDDEN).',
      inputFields: (t) => ({
        groupId: t.field({ type: 'GroupID', required: true }),
        userId: t.field({ type: 'UserID', required: true }),
        accessLevel: t.field({ type: AccessLevelEnum, required: true }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        await groupWithLevel(ctx, input.groupId, AccessLevel.OWNER);
        return withErrors(async () => ({ groupMember: await updateGroupMember(ctx.db, input) }));
      },
    },
    {
      name: 'GroupMemberUpdatePayload',
      outputFields: (t) => ({
        groupMember: t.field({ type: GroupMemberRef, nullable: true, resolve: (payload) => payload.groupMember ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'groupMemberRemove',
    {
      description: "Ends a user's direct membership of a group: Owners remove anyone, anyone may leave; never the last Owner.",
      inputFields: (t) => ({
        groupId: t.field({ type: 'GroupID', required: true }),
        userId: t.field({ type: 'UserID', required: true }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        await groupWithLevel(ctx, input.groupId, isViewer(ctx, input.userId) ? AccessLevel.GUEST : AccessLevel.OWNER);
        await removeGroupMember(ctx.db, input);
        return { ...NO_ERRORS };
      },
    },
    { name: 'GroupMemberRemovePayload', outputFields: () => ({}) },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'projectMemberUpdate',
    {
      description:
        "Changes a user's level in a project (Maintainers and up; only Owners manage Owners). Not below a level the " +
        "user inherits from the project's groups.",
      inputFields: (t) => ({
        projectId: t.field({ type: 'ProjectID', required: true }),
        userId: t.field({ type: 'UserID', required: true }),
        accessLevel: t.field({ type: AccessLevelEnum, required: true }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const level = await projectAndLevel(ctx, input.projectId);
        if (level < AccessLevel.MAINTAINER) throw forbidden();
        return withErrors(async () => ({ projectMember: await updateProjectMember(ctx.db, input, level) }));
      },
    },
    {
      name: 'ProjectMemberUpdatePayload',
      outputFields: (t) => ({
        projectMember: t.field({ type: ProjectMemberRef, nullable: true, resolve: (payload) => payload.projectMember ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'projectMemberRemove',
    {
      description:
        "Ends a user's direct membership of a project: Maintainers and up remove members (Owners only by Owners); anyone may leave.",
      inputFields: (t) => ({
        projectId: t.field({ type: 'ProjectID', required: true }),
        userId: t.field({ type: 'UserID', required: true }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const level = await projectAndLevel(ctx, input.projectId);
        const leaving = isViewer(ctx, input.userId);
        if (!leaving && level < AccessLevel.MAINTAINER) throw forbidden();
        await removeProjectMember(ctx.db, input, leaving ? AccessLevel.OWNER : level);
        return { ...NO_ERRORS };
      },
    },
    { name: 'ProjectMemberRemovePayload', outputFields: () => ({}) },
  ),
);
