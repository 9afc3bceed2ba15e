import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../graphql/context.ts';
import { defineOperation, type Operation, runOperation } from '../../graphql/execute.ts';
import { numericId } from '../entities.ts';
import { badRequest, forbidden, restErrorFrom, sendJson, userContextFor } from '../http.ts';
import { pageWindow, paginationSpecs, setPaginationHeaders } from '../pagination.ts';
import { type ParamSpec, parseParams, type RawParams } from '../params.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
import { resolveNamespace } from './runner-tokens.ts';

// GitLab's audit event API (`GET /audit_events`, `/groups/:id/audit_events`, `/projects/:id/audit_events`) over the
// runner audit events: each route runs one GraphQL operation and answers GitLab's AuditEvent entity.

interface AuditEventNode {
  id: string;
  action: string;
  eventName: string;
  message: string;
  authorType: string;
  authorId: number | null;
  authorName: string;
  entityType: string;
  entityId: number;
  entityPath: string;
  targetType: string;
  targetId: number;
  targetDetails: string;
  changes: { attribute: string; from: unknown; to: unknown }[];
  details: Record<string, unknown>;
  ipAddress: string | null;
  createdAt: string;
}

type Page = { count: number; nodes: AuditEventNode[] };

const FRAGMENT = /* GraphQL */ `
  fragment RestAuditEvent on AuditEvent {
    id action eventName message authorType authorId authorName entityType entityId entityPath
    targetType targetId targetDetails changes { attribute from to } details ipAddress createdAt
  }
`;
const ARGS = /* GraphQL */ `$createdAfter: Time, $createdBefore: Time, $first: Int!, $offset: Int`;
const PASS = /* GraphQL */ `createdAfter: $createdAfter, createdBefore: $createdBefore, first: $first, offset: $offset`;

const InstanceEvents = defineOperation<{ auditEvents: Page | null }>(/* GraphQL */ `
  query RestAuditEvents(${ARGS}, $entityType: String, $entityId: Int) {
    auditEvents(${PASS}, entityType: $entityType, entityId: $entityId) { count nodes { ...RestAuditEvent } }
  }
  ${FRAGMENT}
`);

const GroupEvents = defineOperation<{ group: { auditEvents: Page | null } | null }>(/* GraphQL */ `
  query RestGroupAuditEvents(${ARGS}, $id: GroupID!) {
    group(id: $id) { auditEvents(${PASS}) { count nodes { ...RestAuditEvent } } }
  }
  ${FRAGMENT}
`);

const ProjectEvents = defineOperation<{ project: { auditEvents: Page | null } | null }>(/* GraphQL */ `
  query RestProjectAuditEvents(${ARGS}, $id: ProjectID!) {
    project(id: $id) { auditEvents(${PASS}) { count nodes { ...RestAuditEvent } } }
  }
  ${FRAGMENT}
`);

const TIME_SPECS = {
  created_after: { type: 'string' },
  created_before: { type: 'string' },
  ...paginationSpecs,
} as const satisfies Record<string, ParamSpec>;

const INSTANCE_SPECS = {
  ...TIME_SPECS,
  entity_type: { type: 'string', values: ['User', 'Group', 'Project', 'Gitlab::Audit::InstanceScope'] },
  entity_id: { type: 'integer' },
} as const satisfies Record<string, ParamSpec>;

/** An ISO 8601 time, as Grape's DateTime coercion reads it; anything else is GitLab's "is invalid". */
function time(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw badRequest(`${name} is invalid`);
  return new Date(parsed).toISOString();
}

/** GitLab's AuditEvent entity: `details` holds the names as they were, the change, and where it came from. */
function auditEventEntity(event: AuditEventNode) {
  const { changes: _changes, ...recorded } = event.details;
  const [only] = event.changes.length === 1 ? event.changes : [];
  return {
    id: numericId(event.id),
    // GitLab's author of a change made by a token or the system is no user: -1.
    author_id: event.authorType === 'User' ? event.authorId : -1,
    entity_id: event.entityId,
    entity_type: event.entityType,
    event_name: event.eventName,
    details: {
      custom_message: event.message,
      ...(only ? { change: only.attribute, from: only.from, to: only.to } : {}),
      ...(event.changes.length ? { changes: event.changes } : {}),
      ...recorded,
      author_name: event.authorName,
      author_class: event.authorType,
      ...(event.authorType === 'Ci::Runner' ? { runner_id: event.authorId } : {}),
      target_id: event.targetId,
      target_type: event.targetType,
      target_details: event.targetDetails,
      ip_address: event.ipAddress,
      entity_path: event.entityPath,
    },
    created_at: event.createdAt,
  };
}

type Specs = typeof TIME_SPECS | typeof INSTANCE_SPECS;

export function auditEventRoutes(app: FastifyInstance, deps: RestDeps) {
  const list = <TData>(
    path: string,
    summary: string,
    specs: Specs,
    operation: Operation<TData>,
    variables: (ctx: Context, raw: RawParams, params: Record<string, unknown>) => Promise<Record<string, unknown>>,
    pick: (data: TData) => Page | null | undefined,
  ) =>
    route(
      app,
      deps,
      { method: 'GET', path, summary, auth: 'user', params: specs, status: 200, response: '[AuditEvent]', paginated: true },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const raw = requestParams(request);
        const ctx = await userContextFor(deps.db, deps.settings, request, raw);
        const params = parseParams(raw, specs) as Record<string, unknown>;
        const window = pageWindow(params as { page?: number; per_page?: number });
        const result = await runOperation(
          operation,
          {
            ...(await variables(ctx, raw, params)),
            createdAfter: time(params.created_after as string | undefined, 'created_after'),
            createdBefore: time(params.created_before as string | undefined, 'created_before'),
            first: window.perPage,
            offset: window.offset,
          },
          ctx,
        );
        if (result.errors[0]) throw restErrorFrom(result.errors[0]);
        const page = result.data ? pick(result.data) : null;
        if (!page) throw forbidden();
        setPaginationHeaders(reply, request, deps.settings.externalUrl, raw, window, page.count, page.nodes.length);
        return sendJson(reply, 200, page.nodes.map(auditEventEntity));
      },
    );

  list(
    '/audit_events',
    "The instance's runner audit events, newest first (administrators)",
    INSTANCE_SPECS,
    InstanceEvents,
    async (ctx, _raw, params) => {
      // GitLab's instance audit events are for administrators; others read their groups' and projects'.
      if (!ctx.viewer?.admin) throw forbidden();
      if (params.entity_id !== undefined && params.entity_type === undefined) throw badRequest('entity_type is missing');
      return { entityType: params.entity_type, entityId: params.entity_id };
    },
    (data) => data.auditEvents,
  );
  list(
    '/groups/:id/audit_events',
    "Audit events of a group's runners, newest first (the group's Owners)",
    TIME_SPECS,
    GroupEvents,
    async (ctx, raw) => ({ id: (await resolveNamespace(ctx, 'group', raw.id)).id }),
    (data) => data.group?.auditEvents,
  );
  list(
    '/projects/:id/audit_events',
    "Audit events of a project's runners, newest first (the project's Maintainers)",
    TIME_SPECS,
    ProjectEvents,
    async (ctx, raw) => ({ id: (await resolveNamespace(ctx, 'project', raw.id)).id }),
    (data) => data.project?.auditEvents,
  );
}
