import { badInput, ValidationFailed } from '../errors.ts';

// The runner settings users set, declared once. Everything else is derived from this table: the GraphQL inputs of
// runnerCreate, runnerUpdate and runnerRegister and the plain CiRunner fields (graphql/schema/runner-attributes.ts),
// the validation and the Prisma data (runnerChanges below), the REST parameters of PUT /runners/:id, POST /runners
// and POST /user/runners with their mapping to GraphQL (rest/runner-attributes.ts), and GitLab's REST entities and
// their OpenAPI schemas (rest/runner-entities.ts). Adding a setting: an entry here, the Prisma column and its
// migration, and a test. Entries are in the order of GitLab's runnerUpdate arguments, which is also the order of its
// validations and of the changes an audit event lists.

/** Who may write an attribute: `runnerCreate` / `POST /user/runners`, an update of the runner, a registration token. */
export type RunnerWriter = 'creator' | 'updater' | 'registrar';

const ALL_WRITERS = ['creator', 'updater', 'registrar'] as const satisfies readonly RunnerWriter[];

type Kind = 'string' | 'boolean' | 'integer' | 'float' | 'tags' | 'enum';

interface AttributeSpec {
  /** `tags`: a list of tag names, parsed as GitLab parses tags (see normalizeTags). */
  readonly kind: Kind;
  /** An enum's values, in the database's (and GitLab REST's) lower case. */
  readonly values?: readonly string[];
  readonly description: string;
  /** What a new runner gets; also what an input null resets the setting to, unless `nullKeeps`. */
  readonly default: string | boolean | number | readonly string[] | null;
  /** An input null leaves the setting as it is (GitLab ignores a null where its column is NOT NULL). */
  readonly nullKeeps?: true;
  /** GitLab's length validation ("is too long (maximum is N characters)"). */
  readonly maxLength?: number;
  /** GitLab's numericality validation, with its message. */
  readonly minimum?: { readonly value: number; readonly message: string };
  /** The attribute GitLab names in validation errors, when it is not the snake_case name. */
  readonly errorAttribute?: string;
  /** GitLab's REST name, the entity that shows it, and a deprecated name `POST /runners` still takes; null: GraphQL only. */
  readonly rest: {
    readonly name: string;
    readonly entity: 'Runner' | 'RunnerDetails';
    readonly registrationAlias?: string;
  } | null;
  /** A deprecated boolean that is this one's inverse (`active` for `paused`), in both APIs, for these writers. */
  readonly inverse?: { readonly name: string; readonly deprecationReason: string; readonly writers: readonly RunnerWriter[] };
  /** Who sees it: whoever may read the runner, or only those who may update it (null for the others). */
  readonly readBy: 'reader' | 'updater';
  readonly writtenBy: readonly RunnerWriter[];
}

export const RUNNER_ATTRIBUTES = {
  description: {
    kind: 'string',
    description: 'Description of the runner.',
    default: '',
    maxLength: 1024,
    rest: { name: 'description', entity: 'Runner' },
    readBy: 'reader',
    writtenBy: ALL_WRITERS,
  },
  maintenanceNote: {
    kind: 'string',
    description: "Runner's maintenance notes; visible to those who may update the runner.",
    default: null,
    maxLength: 1024,
    rest: { name: 'maintenance_note', entity: 'RunnerDetails', registrationAlias: 'maintainer_note' },
    readBy: 'updater',
    writtenBy: ALL_WRITERS,
  },
  maximumTimeout: {
    kind: 'integer',
    description: 'Maximum timeout (in seconds) for jobs processed by the runner; at least 600. Null: no limit.',
    default: null,
    minimum: { value: 600, message: 'needs to be at least 10 minutes' },
    rest: { name: 'maximum_timeout', entity: 'RunnerDetails' },
    readBy: 'reader',
    writtenBy: ALL_WRITERS,
  },
  accessLevel: {
    kind: 'enum',
    values: ['not_protected', 'ref_protected'],
    description: 'Access level of the runner.',
    default: 'not_protected',
    nullKeeps: true,
    rest: { name: 'access_level', entity: 'RunnerDetails' },
    readBy: 'reader',
    writtenBy: ALL_WRITERS,
  },
  paused: {
    kind: 'boolean',
    description: 'Indicates the runner is not allowed to receive jobs.',
    default: false,
    nullKeeps: true,
    rest: { name: 'paused', entity: 'Runner' },
    inverse: { name: 'active', deprecationReason: 'Use paused.', writers: ['updater', 'registrar'] },
    readBy: 'reader',
    writtenBy: ALL_WRITERS,
  },
  locked: {
    kind: 'boolean',
    description: 'Indicates the runner is locked to its current projects.',
    default: false,
    nullKeeps: true,
    rest: { name: 'locked', entity: 'RunnerDetails' },
    readBy: 'reader',
    writtenBy: ALL_WRITERS,
  },
  runUntagged: {
    kind: 'boolean',
    description: 'Indicates the runner is able to run untagged jobs.',
    default: true,
    nullKeeps: true,
    rest: { name: 'run_untagged', entity: 'RunnerDetails' },
    readBy: 'reader',
    writtenBy: ALL_WRITERS,
  },
  tagList: {
    kind: 'tags',
    description: 'Tags associated with the runner; an update replaces the whole list.',
    default: [],
    errorAttribute: 'tags_list',
    rest: { name: 'tag_list', entity: 'RunnerDetails' },
    readBy: 'reader',
    writtenBy: ALL_WRITERS,
  },
  publicProjectsMinutesCostFactor: {
    kind: 'float',
    description: 'Compute cost factor of the jobs of public projects on the runner (GitLab.com only).',
    default: 1,
    nullKeeps: true,
    minimum: { value: 0, message: 'needs to be non-negative' },
    rest: null,
    readBy: 'reader',
    writtenBy: ['creator', 'updater'],
  },
  privateProjectsMinutesCostFactor: {
    kind: 'float',
    description: 'Compute cost factor of the jobs of private projects on the runner (GitLab.com only).',
    default: 1,
    nullKeeps: true,
    minimum: { value: 0, message: 'needs to be non-negative' },
    rest: null,
    readBy: 'reader',
    writtenBy: ['creator', 'updater'],
  },
} as const satisfies Record<string, AttributeSpec>;

export type RunnerAttributeName = keyof typeof RUNNER_ATTRIBUTES;
type Spec<Name extends RunnerAttributeName> = (typeof RUNNER_ATTRIBUTES)[Name];

/** A setting's value as the domain holds it (an enum's value in the database's lower case). */
export type KindValue<S> = S extends { readonly kind: 'string' }
  ? string
  : S extends { readonly kind: 'boolean' }
    ? boolean
    : S extends { readonly kind: 'integer' | 'float' }
      ? number
      : S extends { readonly kind: 'tags' }
        ? string[]
        : S extends { readonly values: readonly (infer Value)[] }
          ? Value
          : never;

/** A setting's stored value: null only where null is a value of its own (no limit, no note). */
export type RunnerAttributeValue<Name extends RunnerAttributeName> =
  | KindValue<Spec<Name>>
  | (Spec<Name>['default'] extends null ? null : never);

/** The settings of a runner, as stored. */
export type RunnerSettings = { -readonly [Name in RunnerAttributeName]: RunnerAttributeValue<Name> };

/** The settings users set, before validation. `undefined` leaves a setting as it is; null, see `nullKeeps`. */
export type RunnerAttributes = { [Name in RunnerAttributeName]?: KindValue<Spec<Name>> | null };

/** The names of the settings `writer` may write. */
export type WritableBy<Writer extends RunnerWriter> = {
  [Name in RunnerAttributeName]: Writer extends Spec<Name>['writtenBy'][number] ? Name : never;
}[RunnerAttributeName];

/** The table as a list, in its order, each entry with its name. */
export const RUNNER_ATTRIBUTE_LIST: readonly (AttributeSpec & { readonly name: RunnerAttributeName })[] = Object.entries(
  RUNNER_ATTRIBUTES,
).map(([name, spec]) => ({ ...spec, name: name as RunnerAttributeName }));

/** A new runner's settings. */
export const RUNNER_DEFAULTS: RunnerSettings = Object.fromEntries(
  RUNNER_ATTRIBUTE_LIST.map((attribute) => [attribute.name, attribute.default]),
) as RunnerSettings;

/** The snake_case name GitLab's validation errors (and audit events) give an attribute. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export const MAX_TAGS = 50;
const MAX_TAG_LENGTH = 255;

/** GitLab's tag parsing: comma-separated parts trimmed, blanks and duplicates dropped, order kept. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [
    ...new Set(
      tags
        .flatMap((tag) => tag.split(','))
        .map((tag) => tag.trim())
        .filter(Boolean),
    ),
  ];
}

interface AttributeError {
  attribute: string;
  message: string;
}

/** GitLab's rules that read more than one setting, checked after each setting's own (`changed`: the settings given). */
const RUNNER_RULES: readonly ((next: RunnerSettings, changed: ReadonlySet<RunnerAttributeName>) => AttributeError[])[] = [
  (next) =>
    !next.runUntagged && next.tagList.length === 0
      ? [{ attribute: 'tags_list', message: 'can not be empty when runner is not allowed to pick untagged jobs' }]
      : [],
  (next, changed) =>
    changed.has('tagList') && next.tagList.length > MAX_TAGS
      ? [{ attribute: 'tags_list', message: `Too many tags specified. Please limit the number of tags to ${MAX_TAGS}` }]
      : [],
  (next, changed) =>
    changed.has('tagList') && next.tagList.some((tag) => tag.length > MAX_TAG_LENGTH)
      ? [{ attribute: 'tags_list', message: `tag is too long (maximum is ${MAX_TAG_LENGTH} characters)` }]
      : [],
];

/** Checks the settings as they will be after the change (GitLab's model validations); throws every failure at once. */
function validate(next: RunnerSettings, changed: ReadonlySet<RunnerAttributeName>): void {
  const errors: AttributeError[] = [];
  for (const attribute of RUNNER_ATTRIBUTE_LIST) {
    const value: unknown = next[attribute.name];
    const errorAttribute = attribute.errorAttribute ?? snakeCase(attribute.name);
    if (attribute.maxLength !== undefined && typeof value === 'string' && value.length > attribute.maxLength) {
      errors.push({ attribute: errorAttribute, message: `is too long (maximum is ${attribute.maxLength} characters)` });
    }
    if (attribute.minimum && typeof value === 'number' && value < attribute.minimum.value) {
      errors.push({ attribute: errorAttribute, message: attribute.minimum.message });
    }
  }
  for (const rule of RUNNER_RULES) errors.push(...rule(next, changed));
  if (errors.length) throw new ValidationFailed(errors);
}

/** What an input value stores: null resets to the default (unless `nullKeeps`), tags are parsed. */
function stored(attribute: AttributeSpec, value: unknown): unknown {
  if (value === null) return attribute.default;
  return attribute.kind === 'tags' && Array.isArray(value) ? normalizeTags(value) : value;
}

/** The update Prisma needs, checked against the runner's `current` settings, for a change of `attributes`. */
export function runnerChanges(current: RunnerSettings, attributes: RunnerAttributes): Partial<RunnerSettings> {
  const data: Record<string, unknown> = {};
  for (const attribute of RUNNER_ATTRIBUTE_LIST) {
    const value = attributes[attribute.name];
    if (value === undefined || (value === null && attribute.nullKeeps)) continue;
    data[attribute.name] = stored(attribute, value);
  }
  // Built from the table above, whose kinds are the value types RunnerSettings derives from them.
  const changes = data as Partial<RunnerSettings>;
  const next = { ...current, ...changes };
  // Tags count as changed only when the list differs: GitLab checks tag limits on a changed tag list.
  const changed = new Set(
    RUNNER_ATTRIBUTE_LIST.filter((attribute) => JSON.stringify(current[attribute.name]) !== JSON.stringify(next[attribute.name])).map(
      (attribute) => attribute.name,
    ),
  );
  validate(next, changed);
  return changes;
}

/**
 * The settings of a write that may carry the deprecated inverses (`active`): each turned into its setting, or GitLab's
 * "active, paused are mutually exclusive" when both are given.
 */
export function withInverses(input: RunnerAttributes & Readonly<Record<string, unknown>>): RunnerAttributes {
  const attributes: Record<string, unknown> = { ...input };
  for (const attribute of RUNNER_ATTRIBUTE_LIST) {
    if (!attribute.inverse) continue;
    const inverse = input[attribute.inverse.name];
    delete attributes[attribute.inverse.name];
    if (inverse == null) continue;
    if (input[attribute.name] != null) throw badInput(`${attribute.inverse.name}, ${attribute.name} are mutually exclusive`);
    attributes[attribute.name] = !inverse;
  }
  return attributes;
}
