import type { Prisma } from '../db/generated/client.ts';

// Audit events of runners (GitLab's AuditEvents::RunnerAuditEventService and its event names): every path that
// changes a runner calls recordRunnerEvents in the transaction of its change, so an event exists exactly when the
// change committed. The event names the runner's owner as its entity (a group, a project, or the instance), as
// GitLab files runner events, and copies every name it shows: it outlives the runner, its author and its owner.

type Tx = Prisma.TransactionClient;

/** Who made a change: a user, the runner itself (a call authenticated by its own token), or the system. */
export type AuditActor =
  | { readonly kind: 'user'; readonly id: number; readonly username: string; readonly ipAddress: string | null }
  | { readonly kind: 'runner'; readonly id: number | null; readonly ipAddress: string | null }
  | { readonly kind: 'system' };

export const SYSTEM_ACTOR: AuditActor = { kind: 'system' };

/** A user's change, from where they made it. */
export function userActor(user: { id: number; username: string }, ipAddress: string | null): AuditActor {
  return { kind: 'user', id: user.id, username: user.username, ipAddress };
}

/** The runner acting with its own token; `id` null while it is the runner being registered. */
export function runnerActor(id: number | null, ipAddress: string | null): AuditActor {
  return { kind: 'runner', id, ipAddress };
}

export const AUDIT_ACTIONS = [
  'created',
  'registered',
  'updated',
  'paused',
  'unpaused',
  'assigned',
  'unassigned',
  'token_reset',
  'deleted',
  'pruned',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** GitLab's event names where it has one for the action, ours in its style where it has none. */
const EVENT: Record<AuditAction, { name: string; message: string }> = {
  created: { name: 'ci_runner_created', message: 'Created %{type} CI runner' },
  registered: { name: 'ci_runner_registered', message: 'Registered %{type} CI runner' },
  updated: { name: 'ci_runner_updated', message: 'Updated %{type} CI runner' },
  paused: { name: 'ci_runner_paused', message: 'Paused %{type} CI runner' },
  unpaused: { name: 'ci_runner_unpaused', message: 'Unpaused %{type} CI runner' },
  assigned: { name: 'ci_runner_assigned_to_project', message: 'Assigned CI runner to project' },
  unassigned: { name: 'ci_runner_unassigned_from_project', message: 'Unassigned CI runner from project' },
  token_reset: { name: 'ci_runner_token_reset', message: 'Reset %{type} CI runner authentication token' },
  deleted: { name: 'ci_runner_unregistered', message: 'Deleted %{type} CI runner' },
  pruned: { name: 'ci_runner_pruned', message: 'Pruned stale %{type} CI runner' },
};

/** One attribute's change; values as JSON (strings, numbers, booleans, lists, null). */
export interface AttributeChange {
  readonly attribute: string;
  readonly from: Prisma.InputJsonValue | null;
  readonly to: Prisma.InputJsonValue | null;
}

export interface RunnerEvent {
  readonly runnerId: number;
  readonly action: AuditAction;
  readonly changes?: readonly AttributeChange[];
  /** What else the action says (how a runner was registered, which project it was assigned to); never a token. */
  readonly details?: Record<string, Prisma.InputJsonValue | null>;
}

const OWNER_SELECT = {
  id: true,
  runnerType: true,
  description: true,
  group: { select: { id: true, fullPath: true } },
  runnerProjects: { orderBy: { id: 'asc' }, take: 1, select: { project: { select: { id: true, pathWithNamespace: true } } } },
} as const satisfies Prisma.RunnerSelect;

type Owned = Prisma.RunnerGetPayload<{ select: typeof OWNER_SELECT }>;

const INSTANCE_ENTITY = 'Gitlab::Audit::InstanceScope';

function entityOf(runner: Owned) {
  const project = runner.runnerProjects[0]?.project;
  if (runner.runnerType === 'group_type' && runner.group) {
    return { entityType: 'Group', entityId: runner.group.id, entityPath: runner.group.fullPath, groupId: runner.group.id, projectId: null };
  }
  if (runner.runnerType === 'project_type' && project) {
    return { entityType: 'Project', entityId: project.id, entityPath: project.pathWithNamespace, groupId: null, projectId: project.id };
  }
  return { entityType: INSTANCE_ENTITY, entityId: 1, entityPath: 'gitlab_instance', groupId: null, projectId: null };
}

function authorOf(actor: AuditActor, runnerId: number) {
  switch (actor.kind) {
    case 'user':
      return { authorType: 'User', authorId: actor.id, authorName: actor.username, ipAddress: actor.ipAddress };
    case 'runner': {
      const id = actor.id ?? runnerId;
      return { authorType: 'Ci::Runner', authorId: id, authorName: `runner #${id}`, ipAddress: actor.ipAddress };
    }
    case 'system':
      return { authorType: 'System', authorId: null, authorName: 'GitLab System', ipAddress: null };
  }
}

/**
 * Records one event per change, in the caller's transaction; call it before a deletion (the owner is read from the
 * runner's rows). Events of runners that no longer exist are dropped: there was no change to record.
 */
export async function recordRunnerEvents(tx: Tx, actor: AuditActor, events: readonly RunnerEvent[]): Promise<number> {
  if (!events.length) return 0;
  const runners = await tx.runner.findMany({
    where: { id: { in: [...new Set(events.map((event) => event.runnerId))] } },
    select: OWNER_SELECT,
  });
  const byId = new Map(runners.map((runner) => [runner.id, runner]));
  const rows = events.flatMap((event): Prisma.AuditEventCreateManyInput[] => {
    const runner = byId.get(event.runnerId);
    if (!runner) return [];
    const { name, message } = EVENT[event.action];
    return [
      {
        ...authorOf(actor, runner.id),
        ...entityOf(runner),
        targetType: 'Ci::Runner',
        targetId: runner.id,
        targetDetails: runner.description || `#${runner.id}`,
        action: event.action,
        eventName: name,
        message: message.replace('%{type}', runner.runnerType.replace(/_type$/, '')),
        details: { ...(event.changes?.length ? { changes: event.changes as unknown as Prisma.InputJsonValue } : {}), ...event.details },
      },
    ];
  });
  if (rows.length) await tx.auditEvent.createMany({ data: rows });
  return rows.length;
}

/** Shorthand for one event. */
export function recordRunnerEvent(tx: Tx, actor: AuditActor, event: RunnerEvent): Promise<number> {
  return recordRunnerEvents(tx, actor, [event]);
}

type Attributes = Record<string, Prisma.InputJsonValue | Date | null | undefined>;

function comparable(value: Prisma.InputJsonValue | Date | null | undefined): Prisma.InputJsonValue | null {
  if (value === undefined || value === null) return null;
  return value instanceof Date ? value.toISOString() : value;
}

/** The attributes `data` changes on `before`, in GitLab's snake_case, from → to. */
export function attributeChanges(before: Attributes, data: Attributes): AttributeChange[] {
  return Object.keys(data).flatMap((key) => {
    if (data[key] === undefined) return [];
    const from = comparable(before[key]);
    const to = comparable(data[key]);
    if (JSON.stringify(from) === JSON.stringify(to)) return [];
    return [{ attribute: key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`), from, to }];
  });
}

/** An update that changed only `paused` is a pause or an unpause; anything else is an update. */
export function updateAction(changes: readonly AttributeChange[]): AuditAction {
  if (changes.length === 1 && changes[0]?.attribute === 'paused') return changes[0].to ? 'paused' : 'unpaused';
  return 'updated';
}
