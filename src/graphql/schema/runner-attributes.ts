import type { InputFieldBuilder, InputFieldRef } from '@pothos/core';
import {
  RUNNER_ATTRIBUTE_LIST,
  type RUNNER_ATTRIBUTES,
  type RunnerAttributeName,
  type RunnerAttributes,
  type RunnerWriter,
  type WritableBy,
} from '../../runners/attributes.ts';
import { runnerAllowed } from '../authorize.ts';
import { builder, type Types } from '../builder.ts';
import { CiRunnerAccessLevel } from './enums.ts';
import { RunnerRef } from './runner.ts';

// The GraphQL face of the runner settings table (runners/attributes.ts): the input fields of the mutations that
// write settings, and the CiRunner fields that read them.

type Spec<Name extends RunnerAttributeName> = (typeof RUNNER_ATTRIBUTES)[Name];
type Attribute = (typeof RUNNER_ATTRIBUTE_LIST)[number];

type EnumName = { [Name in RunnerAttributeName]: Spec<Name> extends { readonly kind: 'enum' } ? Name : never }[RunnerAttributeName];

/** The GraphQL enum of each enum setting (the values' descriptions live with the type); one is missing: a type error. */
const ENUM_TYPES = { accessLevel: CiRunnerAccessLevel } as const satisfies Record<EnumName, unknown>;

function graphqlType(attribute: Attribute) {
  switch (attribute.kind) {
    case 'string':
      return 'String';
    case 'boolean':
      return 'Boolean';
    case 'integer':
      return 'Int';
    case 'float':
      return 'Float';
    case 'tags':
      return ['String'];
    case 'enum':
      return ENUM_TYPES[attribute.name as EnumName];
  }
}

/** The deprecated inverse a writer may give (`active`), by name. */
type InverseName<Writer extends RunnerWriter> = {
  [Name in RunnerAttributeName]: Spec<Name> extends {
    readonly inverse: { readonly name: infer Inverse; readonly writers: readonly (infer Writers)[] };
  }
    ? Writer extends Writers
      ? Inverse & string
      : never
    : never;
}[RunnerAttributeName];

export type RunnerAttributeInputs<Writer extends RunnerWriter> = {
  [Name in WritableBy<Writer>]: InputFieldRef<Types, RunnerAttributes[Name]>;
} & { [Name in InverseName<Writer>]: InputFieldRef<Types, boolean | null | undefined> };

/** The input fields of the settings `writer` may write, to spread into a mutation's `inputFields`. */
export function runnerAttributeInputs<Writer extends RunnerWriter>(
  t: InputFieldBuilder<Types, 'InputObject'>,
  writer: Writer,
): RunnerAttributeInputs<Writer> {
  const fields: Record<string, unknown> = {};
  for (const attribute of RUNNER_ATTRIBUTE_LIST) {
    if (!attribute.writtenBy.includes(writer)) continue;
    fields[attribute.name] = t.field({ type: graphqlType(attribute) as 'String', description: attribute.description });
    const inverse = attribute.inverse;
    if (inverse?.writers.includes(writer)) fields[inverse.name] = t.boolean({ deprecationReason: inverse.deprecationReason });
  }
  // Built from the table whose kinds the mapped type above reads; Pothos cannot follow a loop over it.
  return fields as RunnerAttributeInputs<Writer>;
}

// The settings on CiRunner. A field whose readers are narrower than the runner's (readBy 'updater') is null for
// the others.
builder.prismaObjectFields(RunnerRef, (t) =>
  Object.fromEntries(
    RUNNER_ATTRIBUTE_LIST.flatMap((attribute) => {
      const name = attribute.name;
      const restricted = attribute.readBy === 'updater';
      // The column of the same name (the table's names are the Prisma model's); Pothos cannot type a looped name.
      const value = (runner: { [key: string]: unknown }) => runner[name] as string;
      const field = t.field({
        type: graphqlType(attribute) as 'String',
        description: attribute.description,
        resolve: restricted
          ? async (runner, _args, ctx) =>
              (await runnerAllowed(ctx, runner.id, (facts) => ctx.policy.canUpdate(facts))) ? value(runner) : null
          : (runner) => value(runner),
      });
      const inverse = attribute.inverse;
      const inverseField = inverse
        ? [[inverse.name, t.boolean({ deprecationReason: inverse.deprecationReason, resolve: (runner) => !runner[name] })] as const]
        : [];
      return [[name, field] as const, ...inverseField];
    }),
  ),
);
