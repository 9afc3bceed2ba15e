import { PROJECT_FACTS_SELECT } from '../../auth/access.ts';
import type { RunnerFacts } from '../../auth/runner-policy.ts';
import { isPrismaError } from '../../db/errors.ts';
import { builder, WRITE } from '../builder.ts';
import { auditActor, type Context } from '../context.ts';
import { recordRunnerEvent } from '../../services/runner-audit.ts';
import { deleteRunners, setRunnersPaused } from '../../services/runners.ts';
import { assertRunnerLimit, limitMessage } from '../../services/plan-limits.ts';
import { badInput, forbidden, notFound, preconditionFailed, ValidationFailed } from '../../errors.ts';
import { NO_ERRORS, type PayloadErrors, withErrorFields } from './payload.ts';
import { findRunnerFacts } from './runner-mutations.ts';
import { RunnerRef } from './runner.ts';

// Assigning project runners to more projects, and the bulk operations of GitLab's runner admin pages.

const ALREADY_ASSIGNED = 'Validation failed: Runner projects runner has already been taken';
const OWNER_PROJECT = 'You cannot unassign a runner from the owner project. Delete the runner instead';
/** GitLab's RUNNER_LIMIT for bulk runner operations. */
export const BULK_RUNNER_LIMIT = 50;

/**
 * The project of an assignment, found by full path: NOT_FOUND if it does not exist or the viewer cannot see it,
 * FORBIDDEN (no reason, as GitLab's `authorize! :create_runners`) below Maintainer.
 */
async function findMaintainedProject(ctx: Context, fullPath: string | number) {
  const project = await ctx.db.project.findUnique({ where: { pathWithNamespace: String(fullPath) }, select: PROJECT_FACTS_SELECT });
  if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
  if (!ctx.access.administersProjectRunners(project)) throw forbidden();
  return project;
}

withErrorFields(
  builder.relayMutationField(
    'runnerAssignToProject',
    {
      description:
        'Assigns a project runner to one more project (GitLab `POST /projects/:id/runners`). The runner stays owned ' +
        'by its first project. Group and instance runners cannot be assigned; locked runners only by admins.',
      inputFields: (t) => ({
        runnerId: t.field({ type: 'CiRunnerID', required: true }),
        projectPath: t.id({ required: true, description: 'Full path of the project to assign the runner to.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const project = await findMaintainedProject(ctx, input.projectPath);
        const facts = await findRunnerFacts(ctx, input.runnerId);
        await ctx.policy.assertAssign(facts);
        if (facts.runnerProjects.some((link) => link.projectId === project.id)) throw badInput(ALREADY_ASSIGNED);
        try {
          await assertRunnerLimit(ctx.db, { projectId: project.id });
        } catch (error) {
          // GitLab's assign_to turns the link's failed validation into this message.
          if (error instanceof ValidationFailed) throw badInput(`Validation failed: ${limitMessage(error)}`);
          throw error;
        }
        try {
          await ctx.db.$transaction(async (tx) => {
            const link = await tx.runnerProject.create({
              data: { runnerId: facts.id, projectId: project.id },
              select: { project: { select: { pathWithNamespace: true } } },
            });
            await recordRunnerEvent(tx, auditActor(ctx), {
              runnerId: facts.id,
              action: 'assigned',
              details: { project_id: project.id, project_path: link.project.pathWithNamespace },
            });
          });
        } catch (error) {
          // The checks above cannot see a concurrent request; the constraints have the last word.
          if (isPrismaError(error, 'P2002')) throw badInput(ALREADY_ASSIGNED);
          if (isPrismaError(error, 'P2003')) throw notFound('Runner');
          throw error;
        }
        return { ...NO_ERRORS };
      },
    },
    { name: 'RunnerAssignToProjectPayload', outputFields: () => ({}) },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'runnerUnassignFromProject',
    {
      description:
        'Removes a runner from a project it was assigned to (GitLab `DELETE /projects/:id/runners/:runner_id`). ' +
        'It cannot leave its owner project: delete the runner instead.',
      inputFields: (t) => ({
        runnerId: t.field({ type: 'CiRunnerID', required: true }),
        projectPath: t.id({ required: true, description: 'Full path of the project to remove the runner from.' }),
        unmodifiedSince: t.field({
          type: 'Time',
          description: 'Refuse (PRECONDITION_FAILED) if the assignment changed after this time, as HTTP If-Unmodified-Since.',
        }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const project = await findMaintainedProject(ctx, input.projectPath);
        const links = await ctx.db.runnerProject.findMany({
          where: { runnerId: input.runnerId },
          orderBy: { id: 'asc' },
          select: { id: true, projectId: true, updatedAt: true, runner: { select: { locked: true } } },
        });
        const link = links.find((candidate) => candidate.projectId === project.id);
        // GitLab looks the runner up through the project's assignments: not assigned here is "Runner not found".
        if (!link) throw notFound('Runner');
        if (links[0]?.id === link.id) throw forbidden(OWNER_PROJECT);
        if (!ctx.access.isAdmin && link.runner.locked) throw forbidden('Runner is locked');
        const since = input.unmodifiedSince;
        if (since && link.updatedAt > since) throw preconditionFailed();
        const count = await ctx.db.$transaction(async (tx) => {
          const removed = await tx.runnerProject.deleteMany({ where: { id: link.id, ...(since ? { updatedAt: { lte: since } } : {}) } });
          if (removed.count) {
            await recordRunnerEvent(tx, auditActor(ctx), {
              runnerId: input.runnerId,
              action: 'unassigned',
              details: { project_id: project.id, project_path: String(input.projectPath) },
            });
          }
          return removed.count;
        });
        if (count === 0) {
          const stillThere = await ctx.db.runnerProject.findUnique({ where: { id: link.id }, select: { id: true } });
          throw stillThere ? preconditionFailed() : notFound('Runner');
        }
        return { ...NO_ERRORS };
      },
    },
    { name: 'RunnerUnassignFromProjectPayload', outputFields: () => ({}) },
  ),
);

/**
 * The existing runners among `ids` (duplicates dropped, order kept), split by what the viewer may do to them.
 * Ids of runners that do not exist are left out, as GitLab's bulk services look runners up by id first.
 */
async function partitionRunners(ctx: Context, ids: readonly number[], allowed: (facts: RunnerFacts) => Promise<boolean>) {
  const unique = [...new Set(ids)];
  const found = (await ctx.runnerFacts.loadMany(unique)).filter(
    (facts): facts is RunnerFacts => facts !== null && !(facts instanceof Error),
  );
  const permitted: number[] = [];
  const refused: number[] = [];
  for (const facts of found) (ctx.access.isAdmin || (await allowed(facts)) ? permitted : refused).push(facts.id);
  return { permitted, refused };
}

/** GitLab's bulk-service errors: one line naming the refused runners, or saying none was allowed. */
function refusalErrors(action: string, permitted: readonly number[], refused: readonly number[]): PayloadErrors {
  const errors =
    refused.length === 0
      ? []
      : permitted.length === 0
        ? [`User does not have permission to ${action} any of the runners`]
        : [`User does not have permission to ${action} runner(s) ${refused.map((id) => `#${id}`).join(', ')}`];
  return { errors, attributeErrors: errors.map((message) => ({ attribute: 'base', message })) };
}

function checkBulkLimit(ids: readonly number[], verb: string): void {
  if (new Set(ids).size > BULK_RUNNER_LIMIT) {
    throw badInput(`Can only ${verb} up to ${BULK_RUNNER_LIMIT} runners per call`, 'ids');
  }
}

withErrorFields(
  builder.relayMutationField(
    'bulkRunnerDelete',
    {
      description:
        `Deletes up to ${BULK_RUNNER_LIMIT} runners, those of them you may delete; \`errors\` names the others. ` +
        'Ids of runners that do not exist are ignored.',
      inputFields: (t) => ({
        ids: t.field({ type: ['CiRunnerID'], required: true, description: 'IDs of the runners to delete.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        checkBulkLimit(input.ids, 'delete');
        const { permitted, refused } = await partitionRunners(ctx, input.ids, (facts) => ctx.policy.canDelete(facts));
        // The rows are locked before they are recorded and deleted: the answer names exactly the runners this call
        // removed, not those a concurrent request did.
        const deleted = permitted.length ? await ctx.db.$transaction((tx) => deleteRunners(tx, permitted, auditActor(ctx))) : [];
        const deletedIds = new Set(deleted);
        const ordered = permitted.filter((id) => deletedIds.has(id));
        return { deletedCount: ordered.length, deletedIds: ordered, ...refusalErrors('delete', permitted, refused) };
      },
    },
    {
      name: 'BulkRunnerDeletePayload',
      outputFields: (t) => ({
        deletedCount: t.int({ nullable: true, description: 'Number of runners deleted.', resolve: (payload) => payload.deletedCount }),
        deletedIds: t.field({
          type: ['CiRunnerID'],
          nullable: true,
          description: 'IDs of the runners deleted.',
          resolve: (payload) => payload.deletedIds,
        }),
      }),
    },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'runnerBulkPause',
    {
      description:
        `Pauses (or resumes) up to ${BULK_RUNNER_LIMIT} runners, those of them you may update; \`errors\` names the ` +
        'others. Ids of runners that do not exist are ignored.',
      inputFields: (t) => ({
        ids: t.field({ type: ['CiRunnerID'], required: true, description: 'IDs of the runners to pause or unpause.' }),
        paused: t.boolean({ required: true, description: 'Whether the runners may not receive jobs.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        checkBulkLimit(input.ids, 'pause');
        const { permitted, refused } = await partitionRunners(ctx, input.ids, (facts) => ctx.policy.canUpdate(facts));
        const updatedIds = permitted.length
          ? await ctx.db.$transaction((tx) => setRunnersPaused(tx, permitted, input.paused, auditActor(ctx)))
          : [];
        const updated = updatedIds.length ? await ctx.db.runner.findMany({ where: { id: { in: updatedIds } } }) : [];
        const byId = new Map(updated.map((runner) => [runner.id, runner]));
        const ordered = permitted.flatMap((id) => byId.get(id) ?? []);
        return { updatedCount: ordered.length, updatedRunners: ordered, ...refusalErrors('update / pause', permitted, refused) };
      },
    },
    {
      name: 'RunnerBulkPausePayload',
      outputFields: (t) => ({
        updatedCount: t.int({ nullable: true, description: 'Number of runners updated.', resolve: (payload) => payload.updatedCount }),
        updatedRunners: t.field({
          type: [RunnerRef],
          nullable: true,
          description: 'The runners after the change.',
          resolve: (payload) => payload.updatedRunners,
        }),
      }),
    },
  ),
);
