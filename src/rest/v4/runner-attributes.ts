import {
  type KindValue,
  RUNNER_ATTRIBUTE_LIST,
  type RUNNER_ATTRIBUTES,
  type RunnerAttributeName,
  type RunnerWriter,
} from '../../runners/attributes.ts';
import { type ParamSpec, upper } from '../params.ts';

// The REST face of the runner settings table (runners/attributes.ts): GitLab's parameters of PUT /runners/:id
// (`updater`), POST /user/runners (`creator`) and POST /runners (`registrar`), and their mapping to the GraphQL
// inputs, whose fields have the table's names.

type Attribute = (typeof RUNNER_ATTRIBUTE_LIST)[number];

function paramSpec(attribute: Attribute): ParamSpec {
  switch (attribute.kind) {
    case 'string':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer' };
    case 'float':
      return { type: 'float' };
    case 'tags':
      return { type: 'string_array' };
    case 'enum':
      return { type: 'string', values: attribute.values };
  }
}

export interface RunnerParams {
  /** The settings' parameters, in GitLab's order (a deprecated inverse, `active`, is one of them). */
  readonly specs: Readonly<Record<string, ParamSpec>>;
  /** Deprecated names GitLab's POST /runners still takes (`maintainer_note`); it declares them after the others. */
  readonly aliases: Readonly<Record<string, ParamSpec>>;
  /** Grape's `mutually_exclusive` groups: each inverse with its setting, each alias with its name. */
  readonly mutuallyExclusive: readonly (readonly string[])[];
}

/**
 * The order GitLab's Grape declares the settings' parameters in (lib/api/ci/runners.rb), which is the order it checks
 * them and names them in its messages ("description, active, paused, … are missing"). A setting not listed comes last.
 */
const PARAMETER_ORDER = [
  'description',
  'active',
  'paused',
  'tag_list',
  'run_untagged',
  'locked',
  'access_level',
  'maximum_timeout',
  'maintenance_note',
];

const position = (name: string) => {
  const index = PARAMETER_ORDER.indexOf(name);
  return index === -1 ? PARAMETER_ORDER.length : index;
};

/** GitLab's REST parameters of the settings `writer` may write. */
export function runnerParams(writer: RunnerWriter): RunnerParams {
  const specs: Record<string, ParamSpec> = {};
  const aliases: Record<string, ParamSpec> = {};
  const inverses: string[][] = [];
  const aliased: string[][] = [];
  for (const attribute of RUNNER_ATTRIBUTE_LIST) {
    const rest = attribute.rest;
    if (!rest || !attribute.writtenBy.includes(writer)) continue;
    const inverse = attribute.inverse;
    if (inverse?.writers.includes(writer)) {
      specs[inverse.name] = { type: 'boolean' };
      inverses.push([inverse.name, rest.name]);
    }
    specs[rest.name] = paramSpec(attribute);
    if (writer === 'registrar' && rest.registrationAlias) {
      aliases[rest.registrationAlias] = paramSpec(attribute);
      aliased.push([rest.registrationAlias, rest.name]);
    }
  }
  const ordered = Object.fromEntries(Object.entries(specs).sort(([a], [b]) => position(a) - position(b)));
  return { specs: ordered, aliases, mutuallyExclusive: [...inverses, ...aliased] };
}

type Spec<Name extends RunnerAttributeName> = (typeof RUNNER_ATTRIBUTES)[Name];

type RestName = { [Name in RunnerAttributeName]: Spec<Name>['rest'] extends null ? never : Name }[RunnerAttributeName];

/** A setting's value in the GraphQL input: GraphQL's enums are GitLab REST's values in upper case. */
type InputValue<S> = S extends { readonly kind: 'enum' } ? Uppercase<KindValue<S> & string> : KindValue<S>;

/** The deprecated inverses REST takes (`active`), by name. */
type InverseName = {
  [Name in RestName]: Spec<Name> extends { readonly inverse: { readonly name: infer Inverse extends string } } ? Inverse : never;
}[RestName];

/** The GraphQL input of the settings REST has. null: GitLab's empty value ("no limit" for an empty maximum_timeout). */
export type RunnerAttributesInput = { [Name in RestName]?: InputValue<Spec<Name>> | null } & { [Name in InverseName]?: boolean };

/**
 * The settings among parsed REST `params` as the GraphQL runner inputs name them. A deprecated inverse (`active`)
 * goes through as it is: the GraphQL mutations turn it into its setting (runners/attributes.ts, withInverses).
 */
export function runnerAttributesInput(params: Readonly<Record<string, unknown>>): RunnerAttributesInput {
  const input: Record<string, unknown> = {};
  for (const attribute of RUNNER_ATTRIBUTE_LIST) {
    const rest = attribute.rest;
    if (!rest) continue;
    // GitLab still takes the old name of a setting and copies it over.
    const value = params[rest.name] ?? (rest.registrationAlias ? params[rest.registrationAlias] : undefined);
    if (value !== undefined) input[attribute.name] = attribute.kind === 'enum' && typeof value === 'string' ? upper(value) : value;
    const inverse = attribute.inverse && params[attribute.inverse.name];
    if (attribute.inverse && inverse !== undefined) input[attribute.inverse.name] = inverse;
  }
  // Built by the loop above from the table that RunnerAttributesInput is derived from; parseParams coerced the values.
  return input as RunnerAttributesInput;
}
