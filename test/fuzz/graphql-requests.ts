import {
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import type { RawRequest } from './client.ts';
import { percentEncode } from './encode.ts';
import { type ArgValue, inputValue } from './graphql-values.ts';
import { deepJson, type Draw } from './values.ts';
import type { Targets } from './world.ts';

/** One root field of the schema: every query and mutation the API has. */
export interface RootField {
  readonly kind: 'query' | 'mutation';
  readonly field: GraphQLField<unknown, unknown>;
  readonly label: string;
}

export function rootFieldsOf(schema: GraphQLSchema): RootField[] {
  const fields: RootField[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) fields.push({ kind, field, label: `${kind} ${field.name}` });
  }
  return fields;
}

/** Collects an operation's variables as its arguments are drawn; `plausible` keeps the whole request well-formed. */
class Variables {
  readonly declarations: string[] = [];
  readonly values: Record<string, unknown> = {};

  constructor(
    private readonly inline: boolean,
    readonly plausible: boolean,
  ) {}

  use(type: string, value: ArgValue, draw: Draw): string {
    if (this.inline) return value.literal;
    const name = `v${this.declarations.length}`;
    // Now and then declared with the wrong type, or not given at all.
    const wrongType = !this.plausible && draw.chance(4);
    this.declarations.push(`$${name}: ${wrongType ? draw.pick(['String', 'Int!', '[ID]', 'Boolean']) : type}`);
    if (this.plausible || !draw.chance(3)) this.values[name] = value.json;
    return `$${name}`;
  }
}

function argumentsOf(draw: Draw, targets: Targets, field: GraphQLField<unknown, unknown>, variables: Variables): string {
  const args = field.args
    .filter((arg) => isNonNullType(arg.type) || draw.chance(30))
    .map(
      (arg) =>
        `${arg.name}: ${variables.use(String(arg.type), inputValue(draw, targets, arg.type, arg.name, 0, variables.plausible), draw)}`,
    );
  if (!variables.plausible && draw.chance(3)) args.push(`${draw.pick(['unknownArg', 'first', 'id'])}: 1`);
  return args.length ? `(${args.join(', ')})` : '';
}

/** A selection of `type`'s fields, `depth` levels deep at most, with arguments where fields take them. */
function selectionOf(
  draw: Draw,
  targets: Targets,
  type: GraphQLNamedType,
  depth: number,
  variables: Variables,
  mustSelect: string[] = [],
): string {
  if (isLeafType(type)) return '';
  if (isAbstractType(type)) return '{ __typename }';
  if (!isObjectType(type)) return '';
  const fields = Object.values(type.getFields());
  const leaves = fields.filter((field) => isLeafType(getNamedType(field.type)));
  const pool = depth <= 0 && leaves.length ? leaves : fields;
  const chosen = new Set(draw.some(pool, 1 + draw.nat(Math.min(4, pool.length - 1))));
  // The fields that tell whether a mutation did anything (`errors`, `…Count`), always there and never aliased.
  const required = new Set(
    fields.filter((field) => mustSelect.includes(field.name) || (mustSelect.length && field.name.endsWith('Count'))),
  );
  for (const field of required) chosen.add(field);
  const parts = [...chosen].map((field) => {
    const alias = !required.has(field) && draw.chance(5) ? `a${draw.nat(99)}: ` : '';
    const inner = selectionOf(draw, targets, getNamedType(field.type), depth - 1, variables);
    return `${alias}${field.name}${argumentsOf(draw, targets, field, variables)} ${inner}`.trim();
  });
  if (draw.chance(10)) parts.push('__typename');
  return `{ ${parts.join(' ')} }`;
}

/** A chain of object fields `levels` deep: what depth limits exist for. */
function deepSelection(draw: Draw, type: GraphQLOutputType, levels: number): string {
  const named = getNamedType(type);
  if (!isObjectType(named) || levels <= 0) return isObjectType(named) ? '{ __typename }' : '';
  const objects = Object.values(named.getFields()).filter(
    (field) => isObjectType(getNamedType(field.type)) && field.args.every((arg) => !isNonNullType(arg.type)),
  );
  if (!objects.length) return '{ __typename }';
  const field = draw.pick(objects);
  return `{ ${field.name} ${deepSelection(draw, field.type, levels - 1)} }`;
}

export interface GraphQLCase {
  readonly request: RawRequest;
  /** The response keys of the mutation fields, to tell a refused mutation from a successful one. */
  readonly mutationAliases: readonly string[];
  readonly mutating: boolean;
}

function operation(
  draw: Draw,
  targets: Targets,
  root: RootField,
  plausible: boolean,
): { text: string; variables: Record<string, unknown>; aliases: string[] } {
  const variables = new Variables(draw.chance(40), plausible);
  const shape = plausible ? 99 : draw.nat(99);
  const type = getNamedType(root.field.type);
  const mustSelect = root.kind === 'mutation' ? ['errors'] : [];
  let body: string;
  let aliases = [root.field.name];
  if (shape < 5) {
    body = `${root.field.name}${argumentsOf(draw, targets, root.field, variables)} ${deepSelection(draw, root.field.type, draw.pick([10, 25, 60]))}`;
  } else if (shape < 9) {
    // Wide: the same field under many aliases, each with its own arguments.
    const count = draw.pick([5, 31, 120]);
    aliases = Array.from({ length: count }, (_, index) => `f${index}`);
    body = aliases
      .map(
        (alias) =>
          `${alias}: ${root.field.name}${argumentsOf(draw, targets, root.field, variables)} ${selectionOf(draw, targets, type, 1, variables, mustSelect)}`,
      )
      .join('\n');
  } else {
    body = `${root.field.name}${argumentsOf(draw, targets, root.field, variables)} ${selectionOf(draw, targets, type, 1 + draw.nat(4), variables, mustSelect)}`;
  }
  const declarations = variables.declarations.length ? `(${variables.declarations.join(', ')})` : '';
  const name = draw.chance(30) ? ` Fuzz${draw.nat(9)}` : '';
  return {
    text: `${root.kind}${name}${declarations} { ${body} }`,
    variables: variables.values,
    aliases: root.kind === 'mutation' ? aliases : [],
  };
}

const BROKEN_DOCUMENTS = [
  '',
  ' ',
  '{',
  '}',
  '{ }',
  'query',
  'mutation { }',
  '{ currentUser { id }',
  'query { currentUser { ...F } } fragment F on CurrentUser { ...G } fragment G on CurrentUser { ...F }',
  'subscription { x }',
  '{ __schema { types { name fields { name args { name } } } } }',
  '{ __typename @skip(if: true) @skip(if: true) }',
  `{ ${'a: __typename '.repeat(2_000)} }`,
  `{${'{'.repeat(5_000)}`,
  '\u0000',
  'query Q { currentUser { id } } query Q { currentUser { id } }',
  '{ currentUser { id(x: 1) } }',
  '# only a comment',
  '{ runners(first: 1, first: 2) { count } }',
  'query($a: Int, $a: Int) { runners(first: $a) { count } }',
  '{ runner(id: 1) { id } }',
  '{ runners(first: 2147483648) { count } }',
  `"${'x'.repeat(20_000)}"`,
  '{ runner(id: "gid://gitlab/Ci::Runner/1") { id } }',
];

const ACCEPTS = [
  'application/json',
  'application/graphql-response+json',
  'application/graphql-response+json, application/json;q=0.9',
  'text/html',
  '*/*',
  'image/png',
];

function authHeaders(draw: Draw, targets: Targets): Record<string, string> {
  const roll = draw.nat(99);
  if (roll < 15) return {};
  if (roll < 25) return { authorization: `Bearer ${draw.named('headerText')}` };
  const token = draw.pick(targets.userTokens);
  return roll < 75 ? { authorization: `Bearer ${token}` } : { 'private-token': token };
}

/** A GraphQL request for `root`, sent as clients send them, or broken in one of the ways they break. */
export function graphqlRequest(draw: Draw, targets: Targets, root: RootField, hostile = false): GraphQLCase {
  // Unless the batch is hostile, almost half the requests are well-formed throughout, so that they reach
  // resolvers, services and the database.
  const plausible = !hostile && draw.chance(45);
  const headers: Record<string, string> = {
    ...authHeaders(draw, targets),
    ...(!plausible && draw.chance(20) ? { accept: draw.pick(ACCEPTS) } : {}),
  };
  const { text, variables, aliases } = operation(draw, targets, root, plausible);
  const transport = plausible ? 0 : draw.nat(99);
  const json = (payload: unknown, type = 'application/json') => ({
    method: 'POST',
    path: '/graphql',
    headers: { ...headers, 'content-type': type },
    body: Buffer.from(JSON.stringify(payload), 'utf8'),
  });
  let request: RawRequest;
  if (transport < 75)
    request = json({ query: text, variables, ...(draw.chance(5) ? { operationName: draw.pick(['Fuzz1', 'Nope', '']) } : {}) });
  else if (transport < 83) {
    const query = `query=${percentEncode(text)}&variables=${percentEncode(JSON.stringify(variables))}`;
    request = {
      method: 'GET',
      path: `/graphql?${query}`,
      headers: { ...headers, ...(draw.chance(50) ? { 'x-requested-with': 'fuzz' } : {}) },
    };
  } else if (transport < 88) request = json({ query: draw.pick(BROKEN_DOCUMENTS), variables });
  else if (transport < 92) {
    request = json(
      draw.pick<unknown>([
        { query: text, variables: JSON.stringify(variables) },
        { query: 1 },
        { variables },
        [{ query: text }, { query: text }],
        [],
        null,
        'query',
        { query: text, variables: draw.named('deepValue') },
        { query: text, extensions: draw.named('anyJson') },
        { query: [text] },
      ]),
    );
  } else if (transport < 96) {
    const raw = draw.pick([
      '{',
      '{"query": "{ __typename }"',
      deepJson(draw.pick([1_000, 100_000]), 'array'),
      `{"query": ${JSON.stringify('x'.repeat(1_048_600))}}`,
      '\uFEFF{}',
    ]);
    request = {
      method: 'POST',
      path: '/graphql',
      headers: { ...headers, 'content-type': 'application/json' },
      body: Buffer.from(raw, 'utf8'),
    };
  } else {
    const type = draw.pick([
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/graphql',
      'application/xml',
      '',
    ]);
    request = {
      method: draw.pick(['POST', 'PUT', 'DELETE', 'PATCH']),
      path: '/graphql',
      headers: { ...headers, 'content-type': type },
      body: Buffer.from(draw.chance(50) ? `query=${percentEncode(text)}` : text, 'utf8'),
    };
  }
  return { request, mutationAliases: aliases, mutating: root.kind === 'mutation' };
}
