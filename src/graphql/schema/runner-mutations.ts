import { GROUP_FACTS_SELECT } from '../../auth/access.ts';
import type { RunnerFacts } from '../../auth/runner-policy.ts';
import { attributeChanges, recordRunnerEvent, updateAction } from '../../services/runner-audit.ts';
import { createRunner, deleteRunners } from '../../services/runners.ts';
import { runnerChanges, withInverses } from '../../runners/attributes.ts';
import { builder, CREATE_RUNNER, MANAGE_RUNNER } from '../builder.ts';
import { auditActor, type Context } from '../context.ts';
import { badInput, forbidden, notFound, preconditionFailed } from '../../errors.ts';
import { CiRunnerType } from './enums.ts';
import { NO_ERRORS, withErrorFields, withErrors } from './payload.ts';
import { RunnerRef } from './runner.ts';
import { runnerAttributeInputs } from './runner-attributes.ts';

/** The runner's policy facts, or GitLab's 404 (which, as GitLab, comes before any permission check). */
export async function findRunnerFacts(ctx: Context, id: number): Promise<RunnerFacts> {
  const facts = await ctx.runnerFacts.load(id);
  if (!facts) throw notFound('Runner');
  return facts;
}

withErrorFields(
  builder.relayMutationField(
    'runnerCreate',
    {
      description: 'Creates a runner owned by the instance, a group or a project; its token is returned this once.',
      inputFields: (t) => ({
        runnerType: t.field({ type: CiRunnerType, required: true }),
        groupId: t.field({ type: 'GroupID', description: 'Group of a GROUP_TYPE runner.' }),
        projectId: t.field({ type: 'ProjectID', description: 'Project of a PROJECT_TYPE runner.' }),
        ...runnerAttributeInputs(t, 'creator'),
      }),
    },
    {
      authScopes: { token: CREATE_RUNNER },
      resolve: async (_root, { input }, ctx) => {
        const { runnerType, groupId, projectId, ...attributes } = input;
        if (runnerType === 'instance_type' && !ctx.access.isAdmin) throw forbidden();
        if (runnerType === 'group_type') {
          if (!groupId) throw badInput('groupId is required for a group runner', 'groupId');
          const group = await ctx.db.group.findUnique({ where: { id: groupId }, select: GROUP_FACTS_SELECT });
          if (!group || !ctx.access.canReadGroup(group)) throw notFound('Group');
          if (!ctx.access.administersGroupRunners(group)) throw forbidden();
        }
        if (runnerType === 'project_type') {
          if (!projectId) throw badInput('projectId is required for a project runner', 'projectId');
          const project = await ctx.db.project.findUnique({ where: { id: projectId } });
          if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
          if (!ctx.access.administersProjectRunners(project)) throw forbidden();
        }
        return withErrors(async () => {
          const { runner, token } = await createRunner(
            ctx.db,
            { ...attributes, runnerType, groupId, projectId, creatorId: ctx.viewer?.id, registrationType: 'authenticated_user' },
            auditActor(ctx),
          );
          return { runner: { ...runner, ephemeralToken: token } };
        });
      },
    },
    {
      name: 'RunnerCreatePayload',
      outputFields: (t) => ({
        runner: t.field({ type: RunnerRef, nullable: true, resolve: (payload) => payload.runner ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'runnerUpdate',
    {
      description: "Updates a runner's settings. A runner that does not exist is NOT_FOUND; one you may not change, FORBIDDEN.",
      inputFields: (t) => ({
        id: t.field({ type: 'CiRunnerID', required: true }),
        ...runnerAttributeInputs(t, 'updater'),
      }),
    },
    {
      authScopes: { token: MANAGE_RUNNER },
      resolve: async (_root, { input }, ctx) => {
        const { id, ...given } = input;
        // A malformed request is refused before any lookup, as GitLab's parameter validation answers 400 first.
        const attributes = withInverses(given);
        await ctx.policy.assertUpdate(await findRunnerFacts(ctx, id));
        return withErrors(async () => {
          const runner = await ctx.db.$transaction(async (tx) => {
            // Deleted since the policy check (a concurrent DELETE): it is gone, not an internal error.
            const current = await tx.runner.findUnique({ where: { id } });
            if (!current) throw notFound('Runner');
            const data = runnerChanges(current, attributes);
            // Prisma counts an update with no data as 0 rows: a change of nothing (every setting given as a null that
            // keeps it) leaves the runner found above as it is.
            if (Object.keys(data).length) {
              const { count } = await tx.runner.updateMany({ where: { id }, data });
              if (count === 0) throw notFound('Runner');
            }
            const changes = attributeChanges(current, data);
            if (changes.length) await recordRunnerEvent(tx, auditActor(ctx), { runnerId: id, action: updateAction(changes), changes });
            return tx.runner.findUniqueOrThrow({ where: { id } });
          });
          return { runner };
        });
      },
    },
    {
      name: 'RunnerUpdatePayload',
      outputFields: (t) => ({
        runner: t.field({ type: RunnerRef, nullable: true, resolve: (payload) => payload.runner ?? null }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'runnerDelete',
    {
      description: 'Deletes a runner, with its assignments. Only admins may delete a runner shared by several projects.',
      inputFields: (t) => ({
        id: t.field({ type: 'CiRunnerID', required: true }),
        unmodifiedSince: t.field({
          type: 'Time',
          description: 'Refuse (PRECONDITION_FAILED) if the runner changed after this time, as HTTP If-Unmodified-Since.',
        }),
      }),
    },
    {
      authScopes: { token: MANAGE_RUNNER },
      resolve: async (_root, { input }, ctx) => {
        await ctx.policy.assertDelete(await findRunnerFacts(ctx, input.id));
        const since = input.unmodifiedSince;
        const deleted = await ctx.db.$transaction((tx) =>
          deleteRunners(tx, [input.id], auditActor(ctx), { where: since ? { updatedAt: { lte: since } } : {} }),
        );
        if (deleted.length === 0) throw since ? preconditionFailed() : notFound('Runner');
        return { ...NO_ERRORS };
      },
    },
    { name: 'RunnerDeletePayload', outputFields: () => ({}) },
  ),
);
