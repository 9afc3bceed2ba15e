import { GraphQLError } from 'graphql';
import type { Prisma } from '../../db/generated/client.ts';
import { followFleet, followJob, followRunner, fleetMembers, type FleetFilter, LiveFailure, type RunnerChange } from '../../live/follow.ts';
import type { LiveContext } from '../../live/context.ts';
import { runnerFilterWhere } from '../../runners/filters.ts';
import { visibleJobsFilter } from '../../runners/jobs.ts';
import { groupRunnersWhere, projectRunnersWhere } from '../../runners/scopes.ts';
import { builder, READ, READ_RUNNER } from '../builder.ts';
import type { Context } from '../context.ts';
import { badInput, forbidden, notFound } from '../../errors.ts';
import { CiRunnerMembershipFilter } from './enums.ts';
import { JobRef } from './job.ts';
import { RunnerRef } from './runner.ts';
import { runnerListArgs } from './runner-list.ts';

builder.subscriptionType({ description: 'Live changes, over GraphQL over SSE (`Accept: text/event-stream`) or WebSocket (`graphql-ws`).' });

function live(ctx: Context): LiveContext {
  if (!ctx.live) throw new GraphQLError('Subscriptions are served at /graphql only', { extensions: { code: 'BAD_REQUEST' } });
  return ctx.live;
}

/** Each delivered value, or the error that ends the subscription (the token stopped working). */
function delivered<T>(payload: T | LiveFailure): T {
  if (payload instanceof LiveFailure) throw payload.error;
  return payload;
}

const CiRunnerEventKind = builder.enumType('CiRunnerEventKind', {
  description: 'How a runner changed for the subscriber.',
  values: {
    ENTERED: {
      value: 'entered' as const,
      description: 'The runner came into the followed set: created, changed to match the filter, or made readable to you.',
    },
    UPDATED: {
      value: 'updated' as const,
      description: 'The runner changed: a field, its projects, its status, or its job execution status.',
    },
    LEFT: {
      value: 'left' as const,
      description: 'The runner went out of the followed set: it no longer matches the filter, or you may no longer read it.',
    },
    DELETED: { value: 'deleted' as const, description: 'The runner was deleted. It is the last event about it.' },
  },
});

const CiRunnerEvent = builder.objectRef<RunnerChange>('CiRunnerEvent').implement({
  description: 'A change of a runner, as a live subscription delivers it.',
  fields: (t) => ({
    kind: t.expose('kind', { type: CiRunnerEventKind }),
    runnerId: t.expose('runnerId', { type: 'CiRunnerID', description: 'The runner, also when it is deleted or no longer readable.' }),
    runner: t.field({
      type: RunnerRef,
      nullable: true,
      description: 'The runner after the change; null when it was deleted, or when you may no longer read it.',
      resolve: (change) => change.runner,
    }),
  }),
});

const { type, status, paused, tagList } = runnerListArgs;

builder.subscriptionFields((t) => ({
  ciJobStatusUpdated: t.field({
    type: JobRef,
    nullable: true,
    description: 'Triggered when a job status is updated.',
    authScopes: { token: READ },
    args: { jobId: t.arg({ type: 'CiBuildID', required: true, description: 'Global ID of the job.' }) },
    subscribe: async (_root, { jobId }, ctx) => {
      const { hub, token } = live(ctx);
      const job = await ctx.db.job.findFirst({ where: { AND: [{ id: jobId }, visibleJobsFilter(ctx.access)] }, select: { id: true } });
      // As GitLab's `authorized?`: a job that does not exist and one you may not read are refused alike.
      if (!job)
        throw forbidden(
          "The resource that you are attempting to access does not exist or you don't have permission to perform this action",
        );
      return followJob(hub, token, jobId);
    },
    resolve: (payload) => delivered(payload),
  }),
  ciRunnerUpdated: t.field({
    type: CiRunnerEvent,
    description:
      'Triggered when a runner changes (its fields, projects, status, or job execution status), then once more when it is deleted.',
    authScopes: { token: READ_RUNNER },
    args: { runnerId: t.arg({ type: 'CiRunnerID', required: true, description: 'Global ID of the runner.' }) },
    subscribe: async (_root, { runnerId }, ctx) => {
      const { hub, token } = live(ctx);
      const facts = await ctx.runnerFacts.load(runnerId);
      if (!facts) throw notFound('Runner');
      await ctx.policy.assertRead(facts);
      return followRunner(hub, token, runnerId, facts);
    },
    resolve: (payload) => delivered(payload),
  }),
  ciRunnersUpdated: t.field({
    type: CiRunnerEvent,
    description:
      'A fleet of runners, filtered as `runners` is: every runner you may read (admins: every runner), or those of a ' +
      'group (by `membership`) or a project. An event when a runner enters the set, changes in it, leaves it, or is deleted.',
    authScopes: { token: READ },
    args: {
      type,
      status,
      paused,
      tagList,
      groupId: t.arg({ type: 'GroupID', description: "Only this group's runners (see `membership`)." }),
      membership: t.arg({
        type: CiRunnerMembershipFilter,
        description: "With `groupId`: which of the group's runners (default DESCENDANTS).",
      }),
      projectId: t.arg({ type: 'ProjectID', description: 'Only the runners this project can use.' }),
    },
    subscribe: async (_root, args, ctx) => {
      const { hub, token } = live(ctx);
      if (args.groupId && args.projectId) throw badInput('Give at most one of groupId and projectId');
      let base: Prisma.RunnerWhereInput = {};
      if (args.groupId) {
        const group = await ctx.db.group.findUnique({ where: { id: args.groupId } });
        if (!group || !ctx.access.canReadGroup(group)) throw notFound('Group');
        base = groupRunnersWhere(group, args.membership ?? 'descendants');
      } else if (args.projectId) {
        const project = await ctx.db.project.findUnique({ where: { id: args.projectId } });
        if (!project || !ctx.access.canReadProject(project)) throw notFound('Project');
        base = projectRunnersWhere(project);
      } else if (args.membership) throw badInput('membership needs groupId', 'membership');
      const filter = { type: args.type, status: args.status, paused: args.paused, tagList: args.tagList };
      runnerFilterWhere(filter); // refuses a bad filter now, not at the first event
      const fleet: FleetFilter = {
        key: JSON.stringify([filter, args.groupId ?? null, args.membership ?? null, args.projectId ?? null]),
        where: (now) => ({ AND: [base, runnerFilterWhere(filter, now)] }),
      };
      const members = await fleetMembers(hub, { viewer: ctx.viewer, access: ctx.access, policy: ctx.policy }, fleet);
      return followFleet(hub, token, fleet, members);
    },
    resolve: (payload) => delivered(payload),
  }),
}));
