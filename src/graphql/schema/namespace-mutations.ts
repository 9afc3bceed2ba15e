import { AccessLevel, type AccessLevelValue } from '../../auth/access-level.ts';
import { GROUP_FACTS_SELECT, PROJECT_FACTS_SELECT } from '../../auth/access.ts';
import { ACCESS_LEVEL_NAMES, addGroupMember, addProjectMember, createGroup, createProject } from '../../services/namespaces.ts';
import { builder, WRITE } from '../builder.ts';
import type { Context } from '../context.ts';
import { forbidden, notFound, unauthenticated } from '../../errors.ts';
import { AccessLevelEnum, VisibilityLevelsEnum } from './enums.ts';
import { GroupRef } from './group.ts';
import { withErrorFields, withErrors } from './payload.ts';
import { ProjectRef } from './project.ts';
import { UserCore } from './user.ts';

// Groups, projects and their members: the namespaces runners and pipelines belong to.

function isAccessLevel(level: number): level is Exclude<AccessLevelValue, 0> {
  return level in ACCESS_LEVEL_NAMES;
}

export const AccessLevelRef = builder.objectRef<number>('AccessLevel').implement({
  description: 'The access level a membership grants.',
  fields: (t) => ({
    integerValue: t.int({
      description: "GitLab's number: 10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner.",
      resolve: (level) => level,
    }),
    stringValue: t.field({
      type: AccessLevelEnum,
      nullable: true,
      resolve: (level) => (isAccessLevel(level) ? level : null),
    }),
    humanAccess: t.string({ nullable: true, resolve: (level) => ACCESS_LEVEL_NAMES[level] ?? null }),
  }),
});

export const GroupMemberRef = builder.prismaObject('GroupMember', {
  name: 'GroupMember',
  description: "A user's direct membership of a group, inherited by its subgroups and projects.",
  fields: (t) => ({
    accessLevel: t.field({ type: AccessLevelRef, resolve: (member) => member.accessLevel }),
    user: t.relation('user', { type: UserCore }),
    group: t.relation('group'),
    createdAt: t.expose('createdAt', { type: 'Time' }),
  }),
});

export const ProjectMemberRef = builder.prismaObject('ProjectMember', {
  name: 'ProjectMember',
  description: "A user's direct membership of a project.",
  fields: (t) => ({
    accessLevel: t.field({ type: AccessLevelRef, resolve: (member) => member.accessLevel }),
    user: t.relation('user', { type: UserCore }),
    project: t.relation('project'),
    createdAt: t.expose('createdAt', { type: 'Time' }),
  }),
});

function viewerId(ctx: Context): number {
  // The mutations' auth scopes already refused anonymous requests; this keeps the types honest.
  if (!ctx.viewer) throw unauthenticated('missing');
  return ctx.viewer.id;
}

/** The group, if the viewer may see it (else NOT_FOUND, as GitLab hides what you cannot read) and has `level` in it. */
export async function groupWithLevel(ctx: Context, id: number, level: number) {
  const group = await ctx.db.group.findUnique({ where: { id }, select: GROUP_FACTS_SELECT });
  if (!group || !ctx.access.canReadGroup(group)) throw notFound('Group');
  if (!ctx.access.isAdmin && ctx.access.groupLevel(group.traversalIds) < level) throw forbidden();
  return group;
}

async function assertUserExists(ctx: Context, id: number): Promise<void> {
  if (!(await ctx.db.user.findUnique({ where: { id }, select: { id: true } }))) throw notFound('User');
}

withErrorFields(
  builder.relayMutationField(
    'groupCreate',
    {
      description: 'Creates a group. Anyone may create a top-level group and becomes its Owner; a subgroup needs Owner of its parent.',
      inputFields: (t) => ({
        name: t.string({ required: true }),
        path: t.string({ required: true, description: "Letters, digits, '_', '-' and '.'; unique in the parent." }),
        parentId: t.field({ type: 'GroupID', description: 'The parent group of a subgroup.' }),
        description: t.string(),
        avatarUrl: t.string({ description: "The group's avatar: an http(s) URL." }),
        visibility: t.field({ type: VisibilityLevelsEnum, description: "Private unless given; a subgroup's at most its parent's." }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const creatorId = viewerId(ctx);
        if (input.parentId) await groupWithLevel(ctx, input.parentId, AccessLevel.OWNER);
        return withErrors(async () => ({ group: await createGroup(ctx.db, { ...input, creatorId }) }));
      },
    },
    {
      name: 'GroupCreatePayload',
      outputFields: (t) => ({
        group: t.field({ type: GroupRef, nullable: true, resolve: (payload) => payload.group ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'projectCreate',
    {
      description: 'Creates a project in a group (Maintainer or Owner of it), or without `groupId` in your personal namespace.',
      inputFields: (t) => ({
        name: t.string({ required: true, description: 'Unique in the namespace.' }),
        path: t.string({ required: true, description: "Letters, digits, '_', '-' and '.'; unique in the namespace." }),
        groupId: t.field({ type: 'GroupID' }),
        description: t.string(),
        avatarUrl: t.string({ description: "The project's avatar: an http(s) URL." }),
        visibility: t.field({ type: VisibilityLevelsEnum, description: "Private unless given; at most its group's." }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const ownerId = viewerId(ctx);
        if (input.groupId) await groupWithLevel(ctx, input.groupId, AccessLevel.MAINTAINER);
        return withErrors(async () => ({
          project: await createProject(ctx.db, { ...input, ownerId: input.groupId ? null : ownerId }),
        }));
      },
    },
    {
      name: 'ProjectCreatePayload',
      outputFields: (t) => ({
        project: t.field({ type: ProjectRef, nullable: true, resolve: (payload) => payload.project ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'groupMemberAdd',
    {
      description: 'Adds a user to a group, and so to its subgroups and projects. Group Owners and administrators only.',
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
        await assertUserExists(ctx, input.userId);
        return withErrors(async () => ({ groupMember: await addGroupMember(ctx.db, input) }));
      },
    },
    {
      name: 'GroupMemberAddPayload',
      outputFields: (t) => ({
        groupMember: t.field({ type: GroupMemberRef, nullable: true, resolve: (payload) => payload.groupMember ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'projectMemberAdd',
    {
      description: 'Adds a user to a project. Maintainers and up may add members; only Owners may grant OWNER.',
      inputFields: (t) => ({
        projectId: t.field({ type: 'ProjectID', required: true }),
        userId: t.field({ type: 'UserID', required: true }),
        accessLevel: t.field({ type: AccessLevelEnum, required: true }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const project = await ctx.db.project.findUnique({ where: { id: input.projectId }, select: PROJECT_FACTS_SELECT });
        if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
        const level = ctx.access.isAdmin ? AccessLevel.OWNER : ctx.access.projectLevel(project);
        if (level < AccessLevel.MAINTAINER) throw forbidden();
        if (input.accessLevel > level)
          throw forbidden(`A ${ACCESS_LEVEL_NAMES[level]} cannot grant the ${ACCESS_LEVEL_NAMES[input.accessLevel]} role`);
        await assertUserExists(ctx, input.userId);
        return withErrors(async () => ({ projectMember: await addProjectMember(ctx.db, input) }));
      },
    },
    {
      name: 'ProjectMemberAddPayload',
      outputFields: (t) => ({
        projectMember: t.field({ type: ProjectMemberRef, nullable: true, resolve: (payload) => payload.projectMember ?? null }),
      }),
    },
  ),
);
