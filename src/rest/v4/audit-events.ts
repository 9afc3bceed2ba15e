import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../graphql/context.ts';
import { defineOperation, type Operation } from '../../graphql/execute.ts';
import { numericId } from '../entities.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { badRequest, forbidden, sendJson, userContextFor } from '../http.ts';
import { perform } from '../operations.ts';
import { pageWindow, paginationSpecs, setPaginationHeaders } from '../pagination.ts';
import { type ParamSpec, parseParams, type RawParams } from '../params.ts';
import { type RestDeps, requestParams, route } from './deps.ts';
import { resolveNamespace } from './namespaces.ts';

// GitLab's audit event API (`GET /audit_events`, `/groups/:id/audit_events`, `/projects/:id/audit_events`) over the
// runner audit events: each route runs one GraphQL operation and answers GitLab's AuditEvent entity.

const AuditEventFragment = graphql(`
  fragment RestAuditEvent on AuditEvent {
    id action eventName message authorType authorId authorName entityType entityId entityPath
    targetType targetId targetDetails changes { attribute from to } details ipAddress createdAt
  }
`);

type AuditEventNode = ResultOf<typeof AuditEventFragment>;

interface Page {
  readonly count: number | null;
  readonly nodes: readonly (AuditEventNode | null)[] | null;
}

/** The list arguments each audit event operation declares and passes on (written out: a typed document is one literal). */
interface ListVariables {
  createdAfter?: string | Date | null;
  createdBefore?: string | Date | null;
  first: number;
  offset?: number | null;
}

const InstanceEvents = defineOperation(
  graphql(
    `
  query RestAuditEvents($createdAfter: Time, $createdBefore: Time, $first: Int!, $offset: Int, $entityType: String, $entityId: Int) {
    auditEvents(createdAfter: $createdAfter, createdBefore: $createdBefore, first: $first, offset: $offset, entityType: $entityType, entityId: $entityId) {
      count nodes { ...RestAuditEvent }
    }
  }
`,
    [AuditEventFragment],
  ),
);

const GroupEvents = defineOperation(
  graphql(
    `
  query RestGroupAuditEvents($createdAfter: Time, $createdBefore: Time, $first: Int!, $offset: Int, $id: GroupID!) {
    group(id: $id) { auditEvents(createdAfter: $createdAfter, createdBefore: $createdBefore, first: $first, offset: $offset) { count nodes { ...RestAuditEvent } } }
  }
`,
    [AuditEventFragment],
  ),
);

const ProjectEvents = defineOperation(
  graphql(
    `
  query RestProjectAuditEvents($createdAfter: Time, $createdBefore: Time, $first: Int!, $offset: Int, $id: ProjectID!) {
    project(id: $id) { auditEvents(createdAfter: $createdAfter, createdBefore: $createdBefore, first: $first, offset: $offset) { count nodes { ...RestAuditEvent } } }
  }
`,
    [AuditEventFragment],
  ),
);

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
  const details = event.details && typeof event.details === 'object' ? (event.details as Record<string, unknown>) : {};
  const { changes: _changes, ...recorded } = details;
  const changes = event.changes ?? [];
  const [only] = changes.length === 1 ? changes : [];
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
      ...(changes.length ? { changes } : {}),
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
  const list = <TData, TVariables extends ListVariables>(
    path: string,
    summary: string,
    specs: Specs,
    operation: Operation<TData, TVariables>,
    variables: (ctx: Context, raw: RawParams, params: Record<string, unknown>) => Promise<Omit<TVariables, keyof ListVariables>>,
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
        const listed: ListVariables = {
          createdAfter: time(params.created_after as string | undefined, 'created_after'),
          createdBefore: time(params.created_before as string | undefined, 'created_before'),
          first: window.perPage,
          offset: window.offset,
        };
        // The route's own variables and the list's: together, the operation's variables.
        const all = { ...(await variables(ctx, raw, params)), ...listed } as TVariables;
        const page = pick(await perform(operation, all, ctx));
        if (!page) throw forbidden();
        const nodes = (page.nodes ?? []).flatMap((node) => (node ? [node] : []));
        setPaginationHeaders(reply, request, deps.settings.externalUrl, raw, window, page.count ?? 0, nodes.length);
        return sendJson(reply, 200, nodes.map(auditEventEntity));
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
      return { entityType: params.entity_type as string | undefined, entityId: params.entity_id as number | undefined };
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
