import type { Prisma } from '../../db/generated/client.ts';
import { type RunnerFilter, runnerFilterWhere } from '../../runners/filters.ts';
import { type GroupMembership, groupRunnersScope, projectRunnersScope, scopeWhere as scopeAsWhere } from '../../runners/scopes.ts';
import { BULK_FILTER_CAP, type BulkRun, previewMatching, runInBatches } from '../../services/runner-bulk.ts';
import { deleteRunners, setRunnersPaused } from '../../services/runners.ts';
import { builder, type Types, WRITE } from '../builder.ts';
import { auditActor, type Context } from '../context.ts';
import { badInput, forbidden, notFound } from '../../errors.ts';
import { CiRunnerMembershipFilter, CiRunnerStatus, CiRunnerType } from './enums.ts';
import { type PayloadErrors, withErrorFields } from './payload.ts';
import { RunnerRef } from './runner.ts';

// Bulk actions on every runner a filter matches (the filters of `runners(…)`, within a group or a project if asked),
// of those the caller may act on, with a dry run. The work is runner-bulk.ts's, in batches, up to a cap per call.

const MAX_PREVIEW = 100;

interface FilterInput extends RunnerFilter {
  groupId?: number | null;
  membership?: GroupMembership | null;
  projectId?: number | null;
  dryRun?: boolean | null;
  previewSize?: number | null;
}

/** The runners in the asked scope: a group's (by membership) or a project's, for those who may list them; else all. */
async function scopeWhere(ctx: Context, input: FilterInput): Promise<Prisma.RunnerWhereInput> {
  if (input.groupId != null && input.projectId != null) throw badInput('groupId, projectId are mutually exclusive');
  if (input.membership != null && input.groupId == null) throw badInput('membership requires groupId', 'membership');
  if (input.groupId != null) {
    const group = await ctx.db.group.findUnique({
      where: { id: input.groupId },
      select: { id: true, traversalIds: true, visibility: true, sharedRunnersEnabled: true },
    });
    if (!group || !ctx.access.canReadGroup(group)) throw notFound('Group');
    if (!ctx.access.listsGroupRunners(group)) throw forbidden();
    return scopeAsWhere(groupRunnersScope(group, input.membership ?? 'descendants'));
  }
  if (input.projectId != null) {
    const project = await ctx.db.project.findUnique({ where: { id: input.projectId } });
    if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
    if (!ctx.access.listsProjectRunners(project)) throw forbidden();
    return scopeAsWhere(projectRunnersScope(project));
  }
  return {};
}

function previewSize(input: FilterInput): number {
  const size = input.previewSize ?? 20;
  if (size < 0 || size > MAX_PREVIEW) throw badInput(`previewSize must be between 0 and ${MAX_PREVIEW}`, 'previewSize');
  return size;
}

interface BulkPayload extends PayloadErrors {
  dryRun: boolean;
  matchedCount: number;
  affectedCount: number;
  batchCount: number;
  complete: boolean;
  runners: Prisma.RunnerGetPayload<object>[] | null;
}

/**
 * Runs a bulk action: `where` is everything the action may touch (scope, filter, the caller's rule); the dry run
 * counts and lists it, the real run changes it batch by batch with `change`.
 */
async function bulkAction(
  ctx: Context,
  input: FilterInput,
  where: Prisma.RunnerWhereInput,
  change: (tx: Prisma.TransactionClient, ids: number[]) => Promise<readonly number[]>,
): Promise<BulkPayload> {
  const size = previewSize(input);
  const { count, runners } = await previewMatching(ctx.db, where, input.dryRun ? size : 0);
  const base = { matchedCount: count, errors: [] as string[], attributeErrors: [] };
  if (input.dryRun) {
    return { ...base, dryRun: true, affectedCount: 0, batchCount: 0, complete: count <= BULK_FILTER_CAP, runners };
  }
  const run: BulkRun = await runInBatches(ctx.db, where, change);
  const errors: string[] = [];
  if (run.failure !== undefined) {
    ctx.settings.reportError?.(run.failure, 'a bulk runner action stopped at a failed batch');
    errors.push(`Stopped after ${run.done} runners: a batch failed and was rolled back whole. Run the mutation again for the rest.`);
  } else if (!run.complete) {
    errors.push(`Stopped at the limit of ${BULK_FILTER_CAP} runners per call. Run the mutation again for the rest.`);
  }
  return {
    ...base,
    dryRun: false,
    affectedCount: run.done,
    batchCount: run.batches,
    complete: run.complete,
    runners: null,
    errors,
    attributeErrors: errors.map((message) => ({ attribute: 'base', message })),
  };
}

const bulkOutputFields = (verbPast: string) => (t: BulkFieldBuilder) => ({
  dryRun: t.boolean({ resolve: (payload) => payload.dryRun }),
  matchedCount: t.int({
    description: `Runners that matched the filter (of those you may act on) when the call began: what a real run ${verbPast}.`,
    resolve: (payload) => payload.matchedCount,
  }),
  affectedCount: t.int({
    description: `Runners ${verbPast} by this call, in whole batches (0 in a dry run).`,
    resolve: (payload) => payload.affectedCount,
  }),
  batchCount: t.int({ description: 'Transactions committed, one per batch.', resolve: (payload) => payload.batchCount }),
  complete: t.boolean({
    description: 'Whether no matching runner is left: false when the limit per call or a failed batch stopped the run.',
    resolve: (payload) => payload.complete,
  }),
  limit: t.int({ description: 'The most runners one call acts on.', resolve: () => BULK_FILTER_CAP }),
  runners: t.field({
    type: [RunnerRef],
    nullable: true,
    description: 'In a dry run: the first `previewSize` runners that would be acted on, by id. Null otherwise.',
    resolve: (payload) => payload.runners,
  }),
});

type BulkFieldBuilder = PothosSchemaTypes.ObjectFieldBuilder<Types, BulkPayload>;

const inputFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) => ({
  paused: t.boolean({ description: 'Only paused (true) or only active (false) runners.' }),
  status: t.field({ type: CiRunnerStatus, description: 'Runners with this status.' }),
  type: t.field({ type: CiRunnerType, description: 'Runners of this type.' }),
  types: t.field({ type: [CiRunnerType], description: 'Runners of any of these types.' }),
  tagList: t.stringList({ description: 'Runners that carry all of these tags.' }),
  search: t.string({ description: 'Part of the description, or the full runner token.' }),
  versionPrefix: t.string({ description: 'Runners whose version starts with these components.' }),
  creatorId: t.field({ type: 'UserID', description: 'Runners created by this user.' }),
  creatorUsername: t.string({ description: 'Runners created by the user with this username.' }),
  groupId: t.field({ type: 'GroupID', description: "Only the group's runners (Maintainers of the group may list them)." }),
  membership: t.field({ type: CiRunnerMembershipFilter, description: 'With groupId: which of its runners (default DESCENDANTS).' }),
  projectId: t.field({ type: 'ProjectID', description: 'Only the runners the project can use (its Maintainers may list them).' }),
  dryRun: t.boolean({
    defaultValue: false,
    description: 'Change nothing: answer how many runners would be acted on, and the first of them.',
  }),
  previewSize: t.int({ defaultValue: 20, description: `How many runners a dry run lists (0–${MAX_PREVIEW}).` }),
});

withErrorFields(
  builder.relayMutationField(
    'bulkRunnerDeleteByFilter',
    {
      description:
        `Deletes every runner matching the filters (those of \`runners\`) that you may delete, up to ${BULK_FILTER_CAP} ` +
        'per call, in batches each committed whole. `dryRun: true` only counts and lists them.',
      inputFields,
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const rule = await ctx.policy.deleteRule();
        const where = { AND: [await scopeWhere(ctx, input), runnerFilterWhere(input), rule.where] };
        const actor = auditActor(ctx);
        return bulkAction(ctx, input, where, (tx, ids) => deleteRunners(tx, ids, actor, { where, details: { bulk: 'filter' } }));
      },
    },
    { name: 'BulkRunnerDeleteByFilterPayload', outputFields: bulkOutputFields('deletes') },
  ),
);

withErrorFields(
  builder.relayMutationField(
    'runnerBulkPauseByFilter',
    {
      description:
        `Pauses (or unpauses) every runner matching the filters that you may update and that is not so already, up to ` +
        `${BULK_FILTER_CAP} per call, in batches each committed whole. \`dryRun: true\` only counts and lists them.`,
      inputFields: (t) => ({
        ...inputFields(t),
        pause: t.boolean({ required: true, description: 'true pauses the runners, false unpauses them.' }),
      }),
    },
    {
      authScopes: { token: WRITE },
      resolve: async (_root, { input }, ctx) => {
        const rule = ctx.policy.updateRule();
        const where = { AND: [await scopeWhere(ctx, input), runnerFilterWhere(input), rule.where, { paused: !input.pause }] };
        const actor = auditActor(ctx);
        return bulkAction(ctx, input, where, (tx, ids) =>
          setRunnersPaused(tx, ids, input.pause, actor, { where, details: { bulk: 'filter' } }),
        );
      },
    },
    { name: 'RunnerBulkPauseByFilterPayload', outputFields: bulkOutputFields('pauses or unpauses') },
  ),
);
