// GitLab's runner entities (lib/api/entities/ci/runner.rb, runner_details.rb), keys in GitLab's order: the
// selections the REST operations make, the functions that turn their answers into GitLab's JSON, and the entities'
// OpenAPI schemas, all from one layout per entity. The settings among the keys come from the settings table
// (runners/attributes.ts): a layout places them by REST name, and a setting it does not place is shown after the
// placed ones. test/rest/runner-attributes.test.ts fails when a setting is missing from the fragments below, which
// gql.tada needs as literal documents.
import { RUNNER_ATTRIBUTE_LIST } from '../runners/attributes.ts';
import { lower, nodes, numericId, ProjectIdentityFragment, projectIdentity, UserBasicFragment, userBasic } from './entities.ts';
import { graphql, type ResultOf } from './graphql.ts';

/** The fields of GitLab's `Runner` entity. */
export const RunnerFragment = graphql(
  `
  fragment RestRunner on CiRunner {
    id description active paused runnerType name online legacyStatus createdAt jobExecutionStatus
    createdBy { ...RestUserBasic }
  }
`,
  [UserBasicFragment],
);

/** GitLab's `RunnerDetails`. */
export const RunnerDetailsFragment = graphql(
  `
  fragment RestRunnerDetails on CiRunner {
    ...RestRunner
    tagList runUntagged locked maximumTimeout accessLevel version revision platformName architectureName contactedAt maintenanceNote
    projects(first: 100, membership: true) { edges { node { ...RestProjectIdentity } } }
    groups(membership: true) { edges { node { id webUrl name } } }
  }
`,
  [RunnerFragment, ProjectIdentityFragment],
);

export type RunnerNode = ResultOf<typeof RunnerFragment>;
export type RunnerDetailsNode = ResultOf<typeof RunnerDetailsFragment>;

type Entity = 'Runner' | 'RunnerDetails';
type Attribute = (typeof RUNNER_ATTRIBUTE_LIST)[number];

/** One key of an entity: a field of its own, a setting by REST name, or the settings of the entity not placed by name. */
type Slot<Node> =
  | { readonly key: string; readonly schema: object; readonly value: (node: Node, includeProjects: boolean) => unknown }
  | { readonly setting: string }
  | { readonly otherSettings: Entity };

/** Each REST setting name, and each deprecated inverse (`active`), to its attribute. */
const SETTINGS = new Map<string, { attribute: Attribute; inverse: boolean }>(
  RUNNER_ATTRIBUTE_LIST.flatMap((attribute) => [
    ...(attribute.rest ? [[attribute.rest.name, { attribute, inverse: false }] as const] : []),
    ...(attribute.rest && attribute.inverse ? [[attribute.inverse.name, { attribute, inverse: true }] as const] : []),
  ]),
);

function settingSchema({ attribute, inverse }: { attribute: Attribute; inverse: boolean }): object {
  const nullable = attribute.default === null ? { nullable: true } : {};
  if (inverse) return { type: 'boolean' };
  switch (attribute.kind) {
    case 'string':
      return { type: 'string', ...nullable };
    case 'boolean':
      return { type: 'boolean', ...nullable };
    case 'integer':
      return { type: 'integer', ...nullable };
    case 'float':
      return { type: 'number', ...nullable };
    case 'tags':
      return { type: 'array', items: { type: 'string' } };
    case 'enum':
      return { type: 'string', enum: [...(attribute.values ?? [])] };
  }
}

/**
 * A setting's REST value from the GraphQL field of the same name (a deprecated inverse's too): null where GitLab's
 * schema allows it is the default.
 */
function settingValue({ attribute, inverse }: { attribute: Attribute; inverse: boolean }, node: object): unknown {
  const value: unknown = Reflect.get(node, inverse && attribute.inverse ? attribute.inverse.name : attribute.name);
  if (inverse) return value;
  if (attribute.kind === 'enum' && typeof value === 'string') return lower(value);
  return value ?? attribute.default;
}

/** One key of an entity, resolved: its OpenAPI schema and how its value is read from the node. */
interface Key<Node> {
  readonly key: string;
  readonly schema: object;
  readonly value: (node: Node, includeProjects: boolean) => unknown;
}

/** The layout with its settings resolved: every REST setting of `entity` once, where the layout places it. */
function resolve<Node extends object>(entity: Entity, slots: readonly Slot<Node>[]): readonly Key<Node>[] {
  const placed = new Set(slots.flatMap((slot) => ('setting' in slot ? [slot.setting] : [])));
  return slots.flatMap((slot): Key<Node>[] => {
    if ('key' in slot) return [slot];
    const names =
      'setting' in slot
        ? [slot.setting]
        : [...SETTINGS].filter(([name, { attribute }]) => attribute.rest?.entity === entity && !placed.has(name)).map(([name]) => name);
    return names.map((name) => {
      const setting = SETTINGS.get(name);
      if (setting?.attribute.rest?.entity !== entity) throw new Error(`${entity} places ${name}, which is not one of its settings`);
      return { key: name, schema: settingSchema(setting), value: (node) => settingValue(setting, node) };
    });
  });
}

const RUNNER_LAYOUT = resolve<RunnerNode>('Runner', [
  { key: 'id', schema: { type: 'integer' }, value: (runner) => numericId(runner.id) },
  { setting: 'description' },
  // Null as in current GitLab: a runner's address is not an API fact any more.
  { key: 'ip_address', schema: { type: 'string', nullable: true }, value: () => null },
  { setting: 'active' },
  { setting: 'paused' },
  { otherSettings: 'Runner' },
  { key: 'is_shared', schema: { type: 'boolean' }, value: (runner) => runner.runnerType === 'INSTANCE_TYPE' },
  {
    key: 'runner_type',
    schema: { type: 'string', enum: ['instance_type', 'group_type', 'project_type'] },
    value: (runner) => lower(runner.runnerType),
  },
  { key: 'name', schema: { type: 'string', nullable: true }, value: (runner) => runner.name },
  { key: 'online', schema: { type: 'boolean', nullable: true }, value: (runner) => runner.online },
  {
    key: 'created_by',
    schema: { $ref: '#/components/schemas/UserBasic' },
    value: (runner) => (runner.createdBy ? userBasic(runner.createdBy) : undefined),
  },
  { key: 'created_at', schema: { type: 'string', format: 'date-time' }, value: (runner) => runner.createdAt },
  {
    key: 'status',
    schema: { type: 'string', enum: ['online', 'offline', 'stale', 'never_contacted', 'paused'] },
    value: (runner) => runner.legacyStatus,
  },
  {
    key: 'job_execution_status',
    schema: { type: 'string', enum: ['idle', 'active'] },
    value: (runner) => lower(runner.jobExecutionStatus),
  },
]);

const nullableString = { type: 'string', nullable: true };

const RUNNER_DETAILS_LAYOUT = resolve<RunnerDetailsNode>('RunnerDetails', [
  { setting: 'tag_list' },
  { setting: 'run_untagged' },
  { setting: 'locked' },
  { setting: 'maximum_timeout' },
  { setting: 'access_level' },
  { key: 'version', schema: nullableString, value: (runner) => runner.version },
  { key: 'revision', schema: nullableString, value: (runner) => runner.revision },
  { key: 'platform', schema: nullableString, value: (runner) => runner.platformName },
  { key: 'architecture', schema: nullableString, value: (runner) => runner.architectureName },
  { key: 'contacted_at', schema: { type: 'string', format: 'date-time', nullable: true }, value: (runner) => runner.contactedAt },
  { setting: 'maintenance_note' },
  { otherSettings: 'RunnerDetails' },
  {
    key: 'projects',
    schema: { type: 'array', items: { $ref: '#/components/schemas/ProjectIdentity' } },
    value: (runner, includeProjects) => (includeProjects ? nodes(runner.projects).map(projectIdentity) : undefined),
  },
  {
    key: 'groups',
    schema: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'integer' }, web_url: { type: 'string' }, name: { type: 'string' } } },
    },
    value: (runner) => nodes(runner.groups).map((node) => ({ id: numericId(node.id), web_url: node.webUrl, name: node.name })),
  },
]);

function build<Node extends object>(layout: readonly Key<Node>[], node: Node, includeProjects: boolean) {
  const entity: Record<string, unknown> = {};
  for (const { key, value } of layout) {
    const shown = value(node, includeProjects);
    // An undefined value leaves the key out, as GitLab's conditional exposures do (`created_by`, `projects`).
    if (shown !== undefined) entity[key] = shown;
  }
  return entity;
}

/** GitLab's `Runner`. */
export function runnerEntity(runner: RunnerNode): Record<string, unknown> {
  return build(RUNNER_LAYOUT, runner, true);
}

/** GitLab's `RunnerDetails`: the runner plus its settings, host facts and (visible) projects and groups. */
export function runnerDetailsEntity(runner: RunnerDetailsNode, includeProjects = true): Record<string, unknown> {
  return { ...runnerEntity(runner), ...build(RUNNER_DETAILS_LAYOUT, runner, includeProjects) };
}

const properties = (layout: readonly { key: string; schema: object }[]) =>
  Object.fromEntries(layout.map(({ key, schema }) => [key, schema]));

/** The two entities' OpenAPI schemas, from the same layouts. */
export const RUNNER_SCHEMAS = {
  Runner: { type: 'object', properties: properties(RUNNER_LAYOUT) },
  RunnerDetails: { allOf: [{ $ref: '#/components/schemas/Runner' }, { type: 'object', properties: properties(RUNNER_DETAILS_LAYOUT) }] },
};
