import {
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  type GraphQLNamedType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  visit,
} from 'graphql';

/** Rows a connection answers when neither `first` nor `last` says fewer (and at most, whatever they say). */
export const MAX_PAGE_SIZE = 100;

/**
 * Connections whose every call runs its own SQL (a runner list with its own visibility rules, or GitLab's
 * per-runner job query): each may be resolved for one parent per request, as GitLab's `FieldCallCount` limit 1
 * on `CiRunner.jobs`. Nested under a list they would multiply statements and rows by its page size.
 */
export const FAN_OUT_FIELDS: ReadonlyMap<string, number> = new Map([
  ['CiRunner.jobs', 1],
  ['Project.runners', 1],
  ['Group.runners', 1],
]);

/** Connections that hold at most this many rows whatever the page size: a runner belongs to one group at most. */
const BOUNDED_CONNECTIONS: ReadonlyMap<string, number> = new Map([['CiRunner.groups', 1]]);

/** Fields, fragments and spreads the analysis walks at most; past that (fragments spread many times) it gives up. */
const MAX_VISITS = 10_000;

export interface QueryCost {
  /** How many values the answer can hold: every field counts 1, and a connection's rows count once per row. */
  readonly cost: number;
  /** For each field in FAN_OUT_FIELDS the query selects: how many parents it can be resolved for, at most. */
  readonly calls: ReadonlyMap<string, number>;
}

export class CostAnalysisTooLarge extends Error {
  constructor() {
    super(`Query is too large to analyse: more than ${MAX_VISITS} fields once its fragments are spread`);
  }
}

function pageSize(args: Record<string, unknown>): number {
  const requested = [args.first, args.last].filter((value): value is number => typeof value === 'number' && value >= 0);
  return Math.min(MAX_PAGE_SIZE, ...requested);
}

function isConnection(type: GraphQLNamedType): boolean {
  return isObjectType(type) && type.name.endsWith('Connection');
}

/**
 * The size of what an operation can return, before it runs: the way GitHub bounds a query by the nodes it may
 * return, each connection multiplies what its `nodes`/`edges` select by its page size, so three nested full
 * pages cost a million, not three hundred. Abstract selections are summed over their fragments (an upper bound).
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const calls = new Map<string, number>();
  let visits = 0;

  const included = (node: { directives?: FieldNode['directives'] }): boolean => {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  };

  /** The cost of a selection set on `type`, each value of which appears `times` times in the answer. */
  const selectionCost = (type: GraphQLNamedType, selectionSet: SelectionSetNode, times: number, rows: number | null): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (++visits > MAX_VISITS) throw new CostAnalysisTooLarge();
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        // `nodes` and `edges` of a connection hold one value per row.
        const perRow = rows !== null && (selection.name.value === 'nodes' || selection.name.value === 'edges');
        total += (perRow ? rows : 1) * fieldCost(type, selection, perRow ? times * rows : times);
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        total += selectionCost(condition ?? type, fragment.selectionSet, times, rows);
      }
    }
    return total;
  };

  const fieldCost = (parent: GraphQLNamedType, node: FieldNode, times: number): number => {
    const name = node.name.value;
    if (name === '__typename') return 1;
    const field =
      name === '__schema'
        ? SchemaMetaFieldDef
        : name === '__type'
          ? TypeMetaFieldDef
          : isObjectType(parent) || isInterfaceType(parent)
            ? parent.getFields()[name]
            : undefined;
    // Validation has refused unknown fields already; an abstract parent's own fields are only __typename.
    if (!field) return 1;
    const type = getNamedType(field.type);
    if (!node.selectionSet) return 1;
    if (!isConnection(type)) return 1 + selectionCost(type, node.selectionSet, times, null);
    const key = `${parent.name}.${name}`;
    if (FAN_OUT_FIELDS.has(key)) calls.set(key, (calls.get(key) ?? 0) + times);
    const rows = Math.min(pageSize(getArgumentValues(field, node, variables)), BOUNDED_CONNECTIONS.get(key) ?? MAX_PAGE_SIZE);
    return 1 + selectionCost(type, node.selectionSet, times, rows);
  };

  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return { cost: 0, calls };
  return { cost: selectionCost(root, operation.selectionSet, 1, null), calls };
}

/** The arguments the cost reads; directives' arguments (`@include(if:)`) count too. */
const COSTED_ARGUMENTS = new Set(['first', 'last']);

/** The variables a document's cost can depend on: those passed to costed arguments or to directives. */
function costedVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node, _key, _parent, _path, ancestors) {
      const directive = ancestors.at(-1);
      const inDirective = directive !== undefined && !Array.isArray(directive) && (directive as ASTNode).kind === Kind.DIRECTIVE;
      if (!inDirective && !COSTED_ARGUMENTS.has(node.name.value)) return false;
      visit(node.value, { Variable: (variable) => void names.add(variable.name.value) });
      return false;
    },
  });
  return [...names].sort();
}

const costByDocument = new WeakMap<DocumentNode, { variables: string[]; byKey: Map<string, QueryCost> }>();

/**
 * queryCost, computed once per document, operation and values of the variables it depends on: the same query with
 * another runner id costs the same, so a client repeating its queries pays for the analysis once.
 */
export function cachedQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  /** Coerced, so that a variable sent as null and one left to its default (which may differ) get their own keys. */
  variables: Record<string, unknown>,
): QueryCost {
  let cached = costByDocument.get(document);
  if (!cached) {
    cached = { variables: costedVariables(document), byKey: new Map() };
    costByDocument.set(document, cached);
  }
  const values = cached.variables.map((name) => (Object.hasOwn(variables, name) ? [variables[name]] : []));
  const key = JSON.stringify([operation.name?.value ?? null, operation.loc?.start ?? 0, ...values]);
  const known = cached.byKey.get(key);
  if (known) return known;
  const measured = queryCost(schema, document, operation, variables);
  // Bounded: a client cycling through page sizes must not grow it without end.
  if (cached.byKey.size >= 100) cached.byKey.clear();
  cached.byKey.set(key, measured);
  return measured;
}
