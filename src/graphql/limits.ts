import { characterLimitPlugin } from '@escape.tech/graphql-armor-character-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  type ASTNode,
  type DocumentNode,
  type ExecutionResult,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  isObjectType,
  Kind,
  type SelectionSetNode,
  validate,
  visit,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.ts';

/** GitLab's limits (`gitlab_schema.rb`), and caps GitLab leaves to its 10,000-character limit. */
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
}

export const DEFAULT_GRAPHQL_LIMITS: GraphQLLimits = {
  maxDepth: 20,
  maxDepthUnauthenticated: 15,
  maxComplexity: 250,
  maxComplexityAdmin: 300,
  maxComplexityUnauthenticated: 200,
  maxQueryLength: 10_000,
  maxAliases: 30,
  maxTokens: 2_000,
  maxDirectives: 50,
  timeoutMs: 30_000,
};

type LimitName = 'depth' | 'complexity' | 'characters' | 'tokens' | 'aliases' | 'directives';

function limitExceeded(limit: LimitName, message: string, max: number, found?: number): GraphQLError {
  return new GraphQLError(message, {
    // `spec`: a 400 for clients that accept application/graphql-response+json, and (as GitLab answers) a 200 for
    // application/json ones, as Yoga does for every parse and validation error.
    extensions: { code: 'LIMIT_EXCEEDED', limit, max, ...(found === undefined ? {} : { found }), http: { status: 400, spec: true } },
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

const MAX_PAGE_SIZE = 100;

/**
 * GitLab's cost model (`Types::BaseField#field_complexity`): every field costs 1 plus its selection; a connection
 * adds 1 for sorting and 5 for searching, then 1% per requested row (a full page of 100 doubles its cost).
 */
const gitlabComplexity: ComplexityEstimator = ({ field, args, childComplexity }) => {
  let cost = 1 + childComplexity;
  const type = getNamedType(field.type);
  if (!isObjectType(type) || !type.name.endsWith('Connection')) return cost;
  if (args.sort !== undefined && args.sort !== null) cost += 1;
  if (typeof args.search === 'string') cost += 5;
  const requested = [args.first, args.last].filter((value): value is number => typeof value === 'number' && value >= 0);
  const rows = Math.min(MAX_PAGE_SIZE, ...requested);
  return Math.floor(cost * (1 + rows * 0.01));
};

function introspectionOnly(selectionSet: SelectionSetNode): boolean {
  return selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'));
}

/** The arguments the cost model reads; directives' arguments (`@include(if:)`) count too. */
const COSTED_ARGUMENTS = new Set(['first', 'last', 'sort', 'search']);

/** The variables a document's complexity can depend on: those passed to costed arguments or to directives. */
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

const complexityByDocument = new WeakMap<DocumentNode, { variables: string[]; byKey: Map<string, number> }>();

/**
 * The operation's complexity, computed once per document and values of the variables it depends on: the same
 * query with another runner id costs the same, so a client repeating its queries pays for the analysis once.
 */
function complexityOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variableValues: Record<string, unknown> | null | undefined,
): number {
  let cached = complexityByDocument.get(document);
  if (!cached) {
    cached = { variables: costedVariables(document), byKey: new Map() };
    complexityByDocument.set(document, cached);
  }
  // An absent variable (its default applies) and one sent as null (it overrides the default) must not share a key.
  const values = variableValues ?? {};
  const key = JSON.stringify([operationName ?? null, ...cached.variables.map((name) => (Object.hasOwn(values, name) ? [values[name]] : []))]);
  const known = cached.byKey.get(key);
  if (known !== undefined) return known;
  const complexity = getComplexity({
    schema,
    query: document,
    variables: variableValues ?? undefined,
    operationName: operationName ?? undefined,
    estimators: [gitlabComplexity],
  });
  // Bounded: a client cycling through page sizes must not grow it without end.
  if (cached.byKey.size >= 100) cached.byKey.clear();
  cached.byKey.set(key, complexity);
  return complexity;
}

interface LimitedContext {
  readonly viewer: Viewer | null;
}

/** Depth and complexity caps depend on who asks, so they run once the context (and its viewer) exists. */
function viewerLimitsPlugin(limits: GraphQLLimits): Plugin<LimitedContext> {
  const plugin: Plugin<LimitedContext> = {
    onExecute({ args, setResultAndStopExecution }) {
      const viewer = args.contextValue.viewer;
      const maxDepth = viewer ? limits.maxDepth : limits.maxDepthUnauthenticated;
      const depth = depthOf(args.schema, args.document);
      if (depth > maxDepth) {
        const error = limitExceeded('depth', `Query has depth of ${depth}, which exceeds max depth of ${maxDepth}`, maxDepth, depth);
        setResultAndStopExecution({ errors: [error] });
        return;
      }
      // A missing operation or bad variables: the executor reports them as it would without limits.
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation || getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}).errors) return;
      let maxComplexity = !viewer ? limits.maxComplexityUnauthenticated : viewer.admin ? limits.maxComplexityAdmin : limits.maxComplexity;
      // GraphiQL's introspection query costs about 230: as GitLab does, anyone may run it, still within a limit.
      if (introspectionOnly(operation.selectionSet)) maxComplexity = Math.max(maxComplexity, limits.maxComplexity);
      let complexity: number;
      try {
        complexity = complexityOf(args.schema, args.document, args.operationName, args.variableValues);
      } catch (error) {
        // The analysis walks at most 10,000 nodes (fragments spread many times); past that the query is refused.
        const message = error instanceof Error ? error.message : String(error);
        setResultAndStopExecution({ errors: [limitExceeded('complexity', message, maxComplexity)] });
        return;
      }
      if (complexity > maxComplexity) {
        const error = limitExceeded(
          'complexity',
          `Query has complexity of ${complexity}, which exceeds max complexity of ${maxComplexity}`,
          maxComplexity,
          complexity,
        );
        setResultAndStopExecution({ errors: [error] });
      }
    },
  };
  // Subscriptions (over SSE and WebSocket) are held to the same caps, before they start.
  plugin.onSubscribe = plugin.onExecute as Plugin<LimitedContext>['onSubscribe'];
  return plugin;
}

/** GitLab's answer when a query runs past `graphql_timeout`. */
function timedOut(): ExecutionResult {
  const error = new GraphQLError('Request timed out. Please try a less complex query or a smaller set of records.', {
    extensions: { code: 'TIMEOUT', http: { status: 503 } },
  });
  return { errors: [error] };
}

/** Answers with TIMEOUT once `timeoutMs` has passed, and aborts the execution so no further resolver starts. */
function timeoutPlugin(timeoutMs: number): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      // Yoga's executor (@graphql-tools/executor) reads `signal`, which graphql-js's ExecutionArgs type lacks.
      type SignalledArgs = Parameters<typeof executeFn>[0] & { signal?: AbortSignal };
      setExecuteFn((args: SignalledArgs) => {
        const controller = new AbortController();
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<ExecutionResult>((resolve) => {
          timer = setTimeout(() => {
            // Settle first: aborting rejects the execution, and the race must already be won by the timeout.
            resolve(timedOut());
            controller.abort(new Error('GraphQL execution timed out'));
          }, timeoutMs);
        });
        const signal = args.signal ? AbortSignal.any([args.signal, controller.signal]) : controller.signal;
        const signalled: SignalledArgs = { ...args, signal };
        const execution = Promise.resolve(executeFn(signalled));
        return Promise.race([execution, deadline]).finally(() => clearTimeout(timer));
      });
    },
  };
}

/** Root mutations that take a runner or registration token: guessing tokens through them must cost as on REST. */
const TOKEN_MUTATIONS = new Set(['runnerRegister', 'runnerVerify', 'runnerUnregister']);
/** Takes a runner token when no user is signed in (a user resets by runner id). */
const ANONYMOUS_TOKEN_MUTATIONS = new Set(['runnerAuthenticationTokenReset']);

function rootFieldNames(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) names.push(...rootFieldNames(document, selection.selectionSet, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) names.push(...rootFieldNames(document, fragment.selectionSet, seen));
    }
  }
  return names;
}

/** Counts an operation's token-taking mutations; answers with an error when the caller may not run that many now. */
export type TokenAttemptLimiter<TContext> = (context: TContext, attempts: number) => Promise<GraphQLError | null>;

function tokenMutationPlugin<TContext extends LimitedContext>(limiter: TokenAttemptLimiter<TContext>): Plugin<TContext> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const anonymous = args.contextValue.viewer === null;
      const attempts = rootFieldNames(args.document, operation.selectionSet).filter(
        (name) => TOKEN_MUTATIONS.has(name) || (anonymous && ANONYMOUS_TOKEN_MUTATIONS.has(name)),
      ).length;
      if (attempts === 0) return;
      const refusal = await limiter(args.contextValue, attempts);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}

/**
 * Browsers send "simple" requests (GET, form posts) cross-site without a CORS preflight. Yoga's CSRF plugin
 * refuses those unless a header only a script can set is present; these headers all qualify. A request that
 * carries its own token in the URL is let through: a forger would have to know the token, which is the credential.
 */
const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'private-token', 'authorization', 'x-requested-with'];

function csrfPlugin(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      if (new URL(payload.request.url, 'http://localhost').searchParams.has('private_token')) return;
      try {
        return csrf.onRequestParse?.(payload);
      } catch (error) {
        throw new GraphQLError(
          `${error instanceof Error ? error.message : 'Refused'}: send a JSON body, or one of the headers ${CSRF_HEADERS.join(', ')}`,
          { extensions: { code: 'CSRF_PREVENTED', http: { status: 403 } } },
        );
      }
    },
  };
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
