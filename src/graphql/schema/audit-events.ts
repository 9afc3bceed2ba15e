import { readableAuditEventsWhere } from '../../auth/audit-events.ts';
import type { Prisma } from '../../db/generated/client.ts';
import { builder, READ, READ_RUNNER } from '../builder.ts';
import type { Context } from '../context.ts';
import { badInput } from '../../errors.ts';
import { toGlobalId } from '../ids.ts';
import { GroupRef } from './group.ts';
import { ProjectRef } from './project.ts';
import { RunnerRef } from './runner.ts';
import { withOffset } from './runner-list.ts';

// Runner audit events (src/services/runner-audit.ts), read through GitLab's audit event shape: the whole instance's
// (`auditEvents`, each reader seeing those the read rule gives them), a group's, a project's and one runner's.

interface StoredChange {
  attribute: string;
  from: unknown;
  to: unknown;
}

function changesOf(details: Prisma.JsonValue): StoredChange[] {
  const changes = details && typeof details === 'object' && !Array.isArray(details) ? details.changes : null;
  return Array.isArray(changes) ? (changes as unknown as StoredChange[]) : [];
}

const AuditEventChange = builder.objectRef<StoredChange>('AuditEventChange').implement({
  description: 'One attribute an audited change changed.',
  fields: (t) => ({
    attribute: t.exposeString('attribute', { description: 'The attribute, in snake_case as GitLab names it.' }),
    from: t.field({ type: 'JSON', nullable: true, description: 'Its value before.', resolve: (change) => change.from ?? null }),
    to: t.field({ type: 'JSON', nullable: true, description: 'Its value after.', resolve: (change) => change.to ?? null }),
  }),
});

export const AuditEventRef = builder.prismaObject('AuditEvent', {
  name: 'AuditEvent',
  description: 'A change to a runner: who made it, when, from where, and what changed. Never holds a token.',
  fields: (t) => ({
    id: t.string({ description: 'Global ID, "gid://gitlab/AuditEvent/N".', resolve: (event) => toGlobalId('AuditEvent', event.id) }),
    action: t.exposeString('action', {
      description: 'created, registered, updated, paused, unpaused, assigned, unassigned, token_reset, deleted or pruned.',
    }),
    eventName: t.exposeString('eventName', { description: "GitLab's event name, e.g. ci_runner_registered." }),
    message: t.exposeString('message'),
    authorType: t.exposeString('authorType', { description: '"User", "Ci::Runner" (the runner, by its own token) or "System".' }),
    authorId: t.exposeInt('authorId', { nullable: true, description: "The user's or the runner's id; null for the system." }),
    authorName: t.exposeString('authorName', { description: "The user's username at the time, or the runner's or system's name." }),
    entityType: t.exposeString('entityType', { description: "The runner's owner: Group, Project or Gitlab::Audit::InstanceScope." }),
    entityId: t.exposeInt('entityId'),
    entityPath: t.exposeString('entityPath'),
    targetType: t.exposeString('targetType'),
    targetId: t.exposeInt('targetId', { description: "The runner's id (it may no longer exist)." }),
    targetDetails: t.exposeString('targetDetails', { description: "The runner's description at the time." }),
    changes: t.field({
      type: [AuditEventChange],
      description: 'The attributes changed, before → after (empty for actions without attribute changes).',
      resolve: (event) => changesOf(event.details),
    }),
    details: t.field({ type: 'JSON', description: 'Everything recorded, as GitLab keeps `details`.', resolve: (event) => event.details }),
    ipAddress: t.exposeString('ipAddress', { nullable: true, description: 'Where the request came from; null for the system.' }),
    createdAt: t.expose('createdAt', { type: 'Time' }),
  }),
});

export const AuditEventConnection = builder.connectionObject(
  {
    type: AuditEventRef,
    name: 'AuditEventConnection',
    fields: (t) => ({
      count: t.int({
        description: 'Total count of events that match the filters.',
        extensions: { pothosPrismaTotalCount: true },
        resolve: (connection) => (connection as { totalCount?: () => number | Promise<number> }).totalCount?.() ?? 0,
      }),
    }),
  },
  { name: 'AuditEventEdge' },
);

const auditEventArgs = builder.args((t) => ({
  createdAfter: t.field({ type: 'Time', description: 'Events created at or after this time.' }),
  createdBefore: t.field({ type: 'Time', description: 'Events created at or before this time.' }),
  entityType: t.string({ description: 'Group, Project or Gitlab::Audit::InstanceScope.' }),
  entityId: t.int({ description: 'With entityType: events of that group or project.' }),
  targetId: t.int({ description: 'Events of the runner with this id (it may no longer exist).' }),
  offset: t.int({ description: "Skip this many events instead of paging by cursor (GitLab REST's `page`)." }),
}));

interface AuditEventArgs {
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  entityType?: string | null;
  entityId?: number | null;
  targetId?: number | null;
  offset?: number | null;
}

function auditWhere(ctx: Context, base: Prisma.AuditEventWhereInput, args: AuditEventArgs): Prisma.AuditEventWhereInput {
  if (args.entityId != null && args.entityType == null) throw badInput('entityId requires entityType', 'entityId');
  const and: Prisma.AuditEventWhereInput[] = [base, readableAuditEventsWhere(ctx.access)];
  if (args.createdAfter || args.createdBefore) {
    and.push({
      createdAt: { ...(args.createdAfter ? { gte: args.createdAfter } : {}), ...(args.createdBefore ? { lte: args.createdBefore } : {}) },
    });
  }
  if (args.entityType != null) and.push({ entityType: args.entityType });
  if (args.entityId != null) and.push({ entityId: args.entityId });
  if (args.targetId != null) and.push({ targetType: 'Ci::Runner', targetId: args.targetId });
  return { AND: and };
}

function connection<P>(base: (parent: P) => Prisma.AuditEventWhereInput) {
  return {
    totalCount: (parent: P, args: AuditEventArgs, ctx: Context) => ctx.db.auditEvent.count({ where: auditWhere(ctx, base(parent), args) }),
    resolve: (
      query: {
        include?: Prisma.AuditEventInclude;
        select?: Prisma.AuditEventSelect;
        skip?: number;
        cursor?: Prisma.AuditEventWhereUniqueInput;
      },
      parent: P,
      args: AuditEventArgs,
      ctx: Context,
    ) =>
      ctx.db.auditEvent.findMany({
        ...withOffset(query, args.offset, query.cursor !== undefined),
        where: auditWhere(ctx, base(parent), args),
        // Newest first, as GitLab lists them.
        orderBy: { id: 'desc' },
      }),
  };
}

builder.queryField('auditEvents', (t) =>
  t.prismaConnection(
    {
      type: 'AuditEvent',
      cursor: 'id',
      nullable: true,
      description:
        'Runner audit events, newest first: all of them for administrators, those of the groups you own and the projects ' +
        'you maintain for others.',
      authScopes: { $all: { authenticated: true, token: READ } },
      args: auditEventArgs,
      ...connection(() => ({})),
    },
    AuditEventConnection,
  ),
);

builder.prismaObjectField(RunnerRef, 'auditEvents', (t) =>
  t.prismaConnection(
    {
      type: 'AuditEvent',
      cursor: 'id',
      nullable: true,
      description: "The runner's history, newest first, as far as you may read its owner's audit events.",
      authScopes: { token: READ_RUNNER },
      args: auditEventArgs,
      ...connection((runner: { id: number }) => ({ targetType: 'Ci::Runner', targetId: runner.id })),
    },
    AuditEventConnection,
  ),
);

builder.prismaObjectField(GroupRef, 'auditEvents', (t) =>
  t.prismaConnection(
    {
      type: 'AuditEvent',
      cursor: 'id',
      nullable: true,
      description: "Audit events of the group's runners, newest first. Owners of the group may read them.",
      authScopes: (group, _args, ctx) => ctx.access.administersGroupRunners(group),
      args: auditEventArgs,
      ...connection((group: { id: number }) => ({ entityType: 'Group', entityId: group.id })),
    },
    AuditEventConnection,
  ),
);

builder.prismaObjectField(ProjectRef, 'auditEvents', (t) =>
  t.prismaConnection(
    {
      type: 'AuditEvent',
      cursor: 'id',
      nullable: true,
      description: "Audit events of the project's runners, newest first. Maintainers of the project may read them.",
      authScopes: (project, _args, ctx) => ctx.access.administersProjectRunners(project),
      args: auditEventArgs,
      ...connection((project: { id: number }) => ({ entityType: 'Project', entityId: project.id })),
    },
    AuditEventConnection,
  ),
);
