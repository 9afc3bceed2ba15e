import { characterLimitPlugin } from '@escape.tech/graphql-armor-character-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import {
  type DocumentNode,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  validate,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.ts';
import { CostBudget, timedOut } from './admission.ts';
import { CostAnalysisTooLarge, cachedQueryCost, FAN_OUT_FIELDS, MAX_PAGE_SIZE, type QueryCost } from './cost.ts';
import { csrfPlugin } from './csrf.ts';
import { timeoutPlugin } from './timeout.ts';
import { type TokenAttemptLimiter, tokenMutationPlugin } from './token-attempts.ts';

export type { TokenAttemptLimiter } from './token-attempts.ts';

/** GitLab's limits (`gitlab_schema.rb`), a cost model that counts rows, and caps GitLab leaves to its 10,000-character limit. */
export interface GraphQLLimits {
  readonly maxDepth: number;
  readonly maxDepthUnauthenticated: number;
  readonly maxComplexity: number;
  readonly maxComplexityAdmin: number;
  readonly maxComplexityUnauthenticated: number;
  /** Characters in the query text. */
  readonly maxQueryLength: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxDirectives: number;
  /** How long execution may take before the client gets a TIMEOUT error instead of data. */
  readonly timeoutMs: number;
  /** Total cost of the queries executing at once; the rest wait (up to timeoutMs), which bounds their memory. */
  readonly maxConcurrentCost: number;
}

export const DEFAULT_GRAPHQL_LIMITS: GraphQLLimits = {
  maxDepth: 20,
  maxDepthUnauthenticated: 15,
  // Values an answer may hold (see cost.ts). 50,000 is the largest that 50 concurrent copies answer within the
  // memory bound of the README (measured in BENCHMARKS.md); GitLab's 200/250/300 tiers keep their proportions.
  maxComplexity: 25_000,
  maxComplexityAdmin: 50_000,
  maxComplexityUnauthenticated: 10_000,
  maxQueryLength: 10_000,
  maxAliases: 30,
  maxTokens: 2_000,
  maxDirectives: 50,
  timeoutMs: 30_000,
  // Two of the largest queries at a time: answers are built in memory, and two cores gain nothing from more.
  maxConcurrentCost: 100_000,
};

type LimitName = 'depth' | 'complexity' | 'calls' | 'characters' | 'tokens' | 'aliases' | 'directives';

function limitExceeded(
  limit: LimitName,
  message: string,
  max: number,
  found?: number,
  details: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, {
    // `spec`: a 400 for clients that accept application/graphql-response+json, and (as GitLab answers) a 200 for
    // application/json ones, as Yoga does for every parse and validation error.
    extensions: {
      code: 'LIMIT_EXCEEDED',
      limit,
      max,
      ...(found === undefined ? {} : { found }),
      ...details,
      http: { status: 400, spec: true },
    },
  });
}

/**
 * graphql-armor reports rejections as "Syntax Error: …" with no code; the message after that prefix is clear, so
 * keep it and give it our code. Throwing from the callback replaces armor's own error.
 */
function rejectAs(limit: LimitName, max: number): GraphQLArmorRejectCallback[] {
  return [
    (_context, error) => {
      const message = error.message.replace(/^Syntax Error: /, '');
      const found = /found (\d+)/.exec(message)?.[1];
      throw limitExceeded(limit, message, max, found === undefined ? undefined : Number(found));
    },
  ];
}

/** The viewer-independent caps, checked while parsing and validating (so they are cached with the document). */
function documentLimitPlugins(limits: GraphQLLimits): Plugin[] {
  return [
    // max-tokens replaces the parse function and character-limit wraps whatever is set: this order keeps both.
    maxTokensPlugin({ n: limits.maxTokens, onReject: rejectAs('tokens', limits.maxTokens) }),
    characterLimitPlugin({ maxLength: limits.maxQueryLength, onReject: rejectAs('characters', limits.maxQueryLength) }),
    maxAliasesPlugin({ n: limits.maxAliases, onReject: rejectAs('aliases', limits.maxAliases) }),
    maxDirectivesPlugin({ n: limits.maxDirectives, onReject: rejectAs('directives', limits.maxDirectives) }),
  ];
}

const depthByDocument = new WeakMap<DocumentNode, number>();

/** The deepest operation in the document, measured by graphql-armor (introspection included). */
function depthOf(schema: GraphQLSchema, document: DocumentNode): number {
  const known = depthByDocument.get(document);
  if (known !== undefined) return known;
  let depth = 0;
  const measure = maxDepthRule({
    n: Number.POSITIVE_INFINITY,
    ignoreIntrospection: false,
    // As graphql-ruby counts: a fragment adds no level to the answer, so none to the depth.
    flattenFragments: true,
    onAccept: [(_context, details: { n: number }) => (depth = Math.max(depth, details.n))],
  });
  validate(schema, document, [measure]);
  depthByDocument.set(document, depth);
  return depth;
}

function introspectionOnly(selectionSet: SelectionSetNode): boolean {
  return selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'));
}

interface LimitedContext {
  readonly viewer: Viewer | null;
}

/**
 * Depth and complexity caps depend on who asks, so they run once the context (and its viewer) exists. A query let
 * through then takes its cost from the budget of what may execute at once (admission.ts), and gives it back when done.
 */
function viewerLimitsPlugin(limits: GraphQLLimits): Plugin<LimitedContext> {
  const budget = new CostBudget(limits.maxConcurrentCost);
  type Args = Parameters<NonNullable<Plugin<LimitedContext>['onExecute']>>[0]['args'];
  /** The refusal of an operation past the caller's depth or cost, else its cost (null: left to the executor). */
  const check = (args: Args): { error: GraphQLError } | { cost: number } | null => {
    const viewer = args.contextValue.viewer;
    const maxDepth = viewer ? limits.maxDepth : limits.maxDepthUnauthenticated;
    const depth = depthOf(args.schema, args.document);
    if (depth > maxDepth) {
      return { error: limitExceeded('depth', `Query has depth of ${depth}, which exceeds max depth of ${maxDepth}`, maxDepth, depth) };
    }
    // A missing operation or bad variables: the executor reports them as it would without limits.
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return null;
    const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
    if (variables.errors) return null;
    const { cost, refusal } = checkSize(
      args.schema,
      args.document,
      operation,
      variables.coerced,
      maxComplexityFor(limits, viewer, operation),
    );
    return refusal ? { error: refusal } : { cost };
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const checked = check(args);
      if (!checked) return;
      if ('error' in checked) {
        setResultAndStopExecution({ errors: [checked.error] });
        return;
      }
      const release = await budget.acquire(checked.cost, limits.timeoutMs);
      if (!release) {
        setResultAndStopExecution(timedOut());
        return;
      }
      return { onExecuteDone: () => release() };
    },
    // Subscriptions (over SSE and WebSocket) are held to the same caps before they start; they take nothing from
    // the budget, which bounds what executes at once, not what stays open waiting for events.
    onSubscribe({ args, setResultAndStopExecution }) {
      const checked = check(args);
      if (checked && 'error' in checked) setResultAndStopExecution({ errors: [checked.error] });
    },
  };
}

/** The cost a caller may spend: GitLab's three tiers, scaled to the cost model of cost.ts. */
export function maxComplexityFor(limits: GraphQLLimits, viewer: Viewer | null, operation: OperationDefinitionNode): number {
  const max = !viewer ? limits.maxComplexityUnauthenticated : viewer.admin ? limits.maxComplexityAdmin : limits.maxComplexity;
  // GraphiQL's introspection query: as GitLab does, anyone may run it, still within a limit.
  return introspectionOnly(operation.selectionSet) ? Math.max(max, limits.maxComplexity) : max;
}

/**
 * An operation's cost, and why it may not run, before it runs: a fan-out field resolved for more parents than it may
 * be (GitLab's field call-count limit), or an answer that could hold more values than `maxComplexity`.
 */
export function checkSize(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  /** Coerced: defaults applied to variables not sent. */
  variableValues: Record<string, unknown>,
  maxComplexity: number,
): { cost: number; refusal: GraphQLError | null } {
  let measured: QueryCost;
  try {
    measured = cachedQueryCost(schema, document, operation, variableValues);
  } catch (error) {
    if (!(error instanceof CostAnalysisTooLarge)) throw error;
    return { cost: Number.POSITIVE_INFINITY, refusal: limitExceeded('complexity', error.message, maxComplexity) };
  }
  return { cost: measured.cost, refusal: sizeRefusal(measured, maxComplexity) };
}

function sizeRefusal(measured: QueryCost, maxComplexity: number): GraphQLError | null {
  for (const [key, calls] of measured.calls) {
    const max = FAN_OUT_FIELDS.get(key) ?? Number.POSITIVE_INFINITY;
    if (calls <= max) continue;
    const [owner, field] = key.split('.');
    return limitExceeded(
      'calls',
      `"${field}" field can be requested only for ${max} ${owner}(s) at a time. ` +
        `This query requests it for up to ${calls}, the rows of the connections around it: ` +
        `select it under \`first: ${max}\`, or query one ${owner} by id.`,
      max,
      calls,
      { field: key },
    );
  }
  if (measured.cost <= maxComplexity) return null;
  return limitExceeded(
    'complexity',
    `Query has complexity of ${measured.cost}, which exceeds max complexity of ${maxComplexity}. ` +
      `Each connection counts what it selects once per row it may return (\`first\`/\`last\`, else ${MAX_PAGE_SIZE}): ` +
      'ask for fewer rows with `first:` on the nested connections, or select fewer fields.',
    maxComplexity,
    measured.cost,
  );
}

/** Every protection /graphql runs, in the order they must run. */
export function graphqlLimitPlugins<TContext extends LimitedContext>(
  limits: GraphQLLimits,
  tokenAttempts?: TokenAttemptLimiter<TContext>,
): Plugin<TContext>[] {
  return [
    csrfPlugin(),
    ...documentLimitPlugins(limits),
    viewerLimitsPlugin(limits),
    ...(tokenAttempts ? [tokenMutationPlugin(tokenAttempts)] : []),
    timeoutPlugin(limits.timeoutMs),
    // The context-free plugins never read the context, so they serve any; TypeScript cannot see that through Plugin's variance.
  ] as Plugin<TContext>[];
}
