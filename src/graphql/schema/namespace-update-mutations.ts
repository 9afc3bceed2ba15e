import { AccessLevel } from '../../auth/access-level.ts';
import { GROUP_FACTS_SELECT, PROJECT_FACTS_SELECT } from '../../auth/access.ts';
import { setGroupVisibility, setProjectVisibility } from '../../services/visibility.ts';
import { builder, WRITE } from '../builder.ts';
import { forbidden, notFound } from '../../errors.ts';
import { VisibilityLevelsEnum } from './enums.ts';
import { GroupRef } from './group.ts';
import { withErrorFields, withErrors } from './payload.ts';
import { ProjectRef } from './project.ts';

// Changing a namespace's visibility: GitLab's `change_visibility_level`, which only Owners (and admins) hold.

withErrorFields(
  builder.relayMutationField(
    'groupUpdate',
    {
      description:
        "Updates a group (GitLab's `groupUpdate`; of its arguments, the gateway takes `visibility`). Group Owners and " +
        'administrators only. A group is never more visible than its parent, nor less than its subgroups and projects.',
      inputFields: (t) => ({
        fullPath: t.id({ required: true, description: 'Full path of the group that will be updated.' }),
        visibility: t.field({ type: VisibilityLevelsEnum, description: 'Visibility of the namespace.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const group = await ctx.db.group.findUnique({
          where: { fullPath: String(input.fullPath) },
          select: { id: true, ...GROUP_FACTS_SELECT },
        });
        if (!group || !ctx.access.canReadGroup(group)) throw notFound('Group');
        if (!ctx.access.isAdmin && ctx.access.groupLevel(group.traversalIds) < AccessLevel.OWNER) throw forbidden();
        const visibility = input.visibility;
        return withErrors(async () => ({
          group: visibility
            ? await setGroupVisibility(ctx.db, group.id, visibility)
            : await ctx.db.group.findUnique({ where: { id: group.id } }),
        }));
      },
    },
    {
      name: 'GroupUpdatePayload',
      outputFields: (t) => ({
        group: t.field({ type: GroupRef, nullable: true, description: 'Group after update.', resolve: (payload) => payload.group ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'projectUpdate',
    {
      description:
        "Updates a project's visibility (GitLab does this over REST, `PUT /projects/:id`). Owners of the project (its " +
        "namespace's owner, or Owners of its group) and administrators only. A project is never more visible than its group.",
      inputFields: (t) => ({
        fullPath: t.id({ required: true, description: 'Full path of the project that will be updated.' }),
        visibility: t.field({ type: VisibilityLevelsEnum, description: 'Visibility of the project.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const project = await ctx.db.project.findUnique({
          where: { pathWithNamespace: String(input.fullPath) },
          select: PROJECT_FACTS_SELECT,
        });
        if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
        if (!ctx.access.isAdmin && ctx.access.projectLevel(project) < AccessLevel.OWNER) throw forbidden();
        const visibility = input.visibility;
        return withErrors(async () => ({
          project: visibility
            ? await setProjectVisibility(ctx.db, project.id, visibility)
            : await ctx.db.project.findUnique({ where: { id: project.id } }),
        }));
      },
    },
    {
      name: 'ProjectUpdatePayload',
      outputFields: (t) => ({
        project: t.field({
          type: ProjectRef,
          nullable: true,
          description: 'Project after update.',
          resolve: (payload) => payload.project ?? null,
        }),
      }),
    },
  ),
);
