import type { ParamSpec } from './params.ts';
import { RUNNER_SCHEMAS } from './runner-entities.ts';

/** What a route promises: the OpenAPI document is built from these, next to the specs the route validates with. */
export interface RouteDoc {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax: `/runners/:id`. */
  readonly path: string;
  readonly summary: string;
  /** `user`: a personal access token; `runner`: a runner's authentication token in `token`; `registration`: a registration token. */
  readonly auth: 'user' | 'runner' | 'registration';
  readonly params?: Readonly<Record<string, ParamSpec>>;
  readonly status: 200 | 201 | 204;
  /** A component schema name, `[Name]` for a list, or none for an empty body. */
  readonly response?: string;
  readonly paginated?: boolean;
}

const ENTITY_SCHEMAS = {
  UserBasic: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      username: { type: 'string' },
      name: { type: 'string' },
      state: { type: 'string' },
      avatar_url: { type: 'string', nullable: true },
      web_url: { type: 'string' },
    },
  },
  Runner: RUNNER_SCHEMAS.Runner,
  ProjectIdentity: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      description: { type: 'string', nullable: true },
      name: { type: 'string' },
      name_with_namespace: { type: 'string' },
      path: { type: 'string' },
      path_with_namespace: { type: 'string' },
      created_at: { type: 'string', format: 'date-time' },
    },
  },
  RunnerDetails: RUNNER_SCHEMAS.RunnerDetails,
  Job: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      status: { type: 'string' },
      stage: { type: 'string' },
      name: { type: 'string' },
      ref: { type: 'string' },
      tag: { type: 'boolean' },
      coverage: { type: 'number', nullable: true },
      allow_failure: { type: 'boolean' },
      created_at: { type: 'string', format: 'date-time' },
      started_at: { type: 'string', nullable: true },
      finished_at: { type: 'string', nullable: true },
      erased_at: { type: 'string', nullable: true },
      duration: { type: 'number', nullable: true },
      queued_duration: { type: 'number', nullable: true },
      user: { type: 'object', nullable: true },
      commit: { type: 'object', nullable: true },
      pipeline: { type: 'object' },
      failure_reason: { type: 'string', description: 'Only on failed jobs.' },
      web_url: { type: 'string' },
      project: { $ref: '#/components/schemas/ProjectIdentity' },
    },
  },
  RunnerManager: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      system_id: { type: 'string' },
      version: { type: 'string', nullable: true },
      revision: { type: 'string', nullable: true },
      platform: { type: 'string', nullable: true },
      architecture: { type: 'string', nullable: true },
      created_at: { type: 'string', format: 'date-time' },
      contacted_at: { type: 'string', format: 'date-time', nullable: true },
      ip_address: { type: 'string', nullable: true },
      status: { type: 'string', enum: ['online', 'offline', 'stale', 'never_contacted'] },
      job_execution_status: { type: 'string', enum: ['idle', 'active'] },
    },
  },
  ApplicationSettings: {
    type: 'object',
    description: "The runner keys of GitLab's application settings.",
    properties: {
      allow_runner_registration_token: { type: 'boolean' },
      valid_runner_registrars: { type: 'array', items: { type: 'string', enum: ['project', 'group'] } },
      runner_token_expiration_interval: { type: 'integer', nullable: true },
      group_runner_token_expiration_interval: { type: 'integer', nullable: true },
      project_runner_token_expiration_interval: { type: 'integer', nullable: true },
      allow_stale_instance_runner_pruning: { type: 'boolean' },
    },
  },
  PlanLimits: {
    type: 'object',
    description: "The runner keys of GitLab's plan limits; 0 means no limit.",
    properties: { ci_registered_group_runners: { type: 'integer' }, ci_registered_project_runners: { type: 'integer' } },
  },
  RunnerRegistrationDetails: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      token: { type: 'string' },
      token_expires_at: { type: 'string', format: 'date-time', nullable: true },
    },
  },
  ResetTokenResult: {
    type: 'object',
    properties: { token: { type: 'string' }, token_expires_at: { type: 'string', format: 'date-time', nullable: true } },
  },
  User: {
    type: 'object',
    properties: { id: { type: 'integer' }, username: { type: 'string' }, email: { type: 'string' }, is_admin: { type: 'boolean' } },
  },
  Metadata: {
    type: 'object',
    properties: {
      version: { type: 'string' },
      revision: { type: 'string' },
      kas: {
        type: 'object',
        properties: {
          enabled: { type: 'boolean' },
          externalUrl: { type: 'string', nullable: true },
          externalK8sProxyUrl: { type: 'string', nullable: true },
          version: { type: 'string', nullable: true },
        },
      },
      enterprise: { type: 'boolean' },
    },
  },
  AuditEvent: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      author_id: { type: 'integer', description: 'The user; -1 for a runner acting by its token, or the system.' },
      entity_id: { type: 'integer' },
      entity_type: { type: 'string', enum: ['Group', 'Project', 'Gitlab::Audit::InstanceScope'] },
      event_name: { type: 'string' },
      details: { type: 'object', additionalProperties: true },
      created_at: { type: 'string', format: 'date-time' },
    },
  },
  Error: {
    type: 'object',
    description: "GitLab's two envelopes: `error` for parameter validation, `message` for everything else.",
    properties: { error: { type: 'string' }, message: { oneOf: [{ type: 'string' }, { type: 'object' }] } },
  },
};

function paramSchema(spec: ParamSpec) {
  switch (spec.type) {
    case 'integer':
      return { type: 'integer', ...(spec.default !== undefined ? { default: spec.default } : {}) };
    case 'float':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'string_array':
      return { type: 'array', items: { type: 'string' }, description: 'Also a comma-separated string.' };
    case 'hash':
      return { type: 'object' };
    case 'string':
      return {
        type: 'string',
        ...(spec.values ? { enum: [...spec.values] } : {}),
        ...(spec.regexp ? { pattern: spec.regexp.source } : {}),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
      };
  }
}

const PAGINATION_HEADERS = Object.fromEntries(
  ['X-Total', 'X-Total-Pages', 'X-Per-Page', 'X-Page', 'X-Next-Page', 'X-Prev-Page', 'Link'].map((name) => [
    name,
    { schema: { type: 'string' } },
  ]),
);

const ERROR_RESPONSES = Object.fromEntries(
  [400, 401, 403, 404, 409, 410, 412, 429].map((status) => [
    String(status),
    { description: `GitLab's ${status} answer`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  ]),
);

/** An OpenAPI 3 document of the shim, built from the same route declarations that register and validate. */
export function openApiDocument(routes: readonly RouteDoc[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const pathParams = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1] ?? '');
    const bodyParams = Object.entries(route.params ?? {}).filter(([name]) => !pathParams.includes(name));
    const inBody = route.method !== 'GET';
    const response = route.response
      ? {
          content: {
            'application/json': {
              schema: route.response.startsWith('[')
                ? { type: 'array', items: { $ref: `#/components/schemas/${route.response.slice(1, -1)}` } }
                : { $ref: `#/components/schemas/${route.response}` },
            },
          },
        }
      : {};
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      security: route.auth === 'user' ? [{ privateToken: [] }, { bearer: [] }] : [],
      parameters: [
        ...pathParams.map((name) => ({
          name,
          in: 'path',
          required: true,
          schema: { type: name === 'id' && route.path.startsWith('/runners') ? 'integer' : 'string' },
        })),
        ...(inBody ? [] : bodyParams.map(([name, spec]) => ({ name, in: 'query', required: !!spec.required, schema: paramSchema(spec) }))),
      ],
      ...(inBody && bodyParams.length
        ? {
            requestBody: {
              description: 'Also accepted as query parameters, a form, or multipart form data, as GitLab accepts them.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: Object.fromEntries(bodyParams.map(([name, spec]) => [name, paramSchema(spec)])),
                    required: bodyParams.filter(([, spec]) => spec.required).map(([name]) => name),
                  },
                },
              },
            },
          }
        : {}),
      responses: {
        [String(route.status)]: { description: 'Success', ...(route.paginated ? { headers: PAGINATION_HEADERS } : {}), ...response },
        ...ERROR_RESPONSES,
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Runners Gateway — GitLab api/v4 Runners', version: '4' },
    servers: [{ url: `${serverUrl}/api/v4` }],
    components: {
      securitySchemes: {
        privateToken: { type: 'apiKey', in: 'header', name: 'PRIVATE-TOKEN' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: ENTITY_SCHEMAS,
    },
    paths,
  };
}
