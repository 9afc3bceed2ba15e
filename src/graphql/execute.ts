import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  getVariableValues,
  parse,
  print,
  validate,
} from 'graphql';
import type { TadaDocumentNode } from 'gql.tada';
import type { Context } from './context.ts';
import { knownFailure } from './errors.ts';
import { checkSize, DEFAULT_GRAPHQL_LIMITS, maxComplexityFor } from './limits.ts';
import { schema } from './schema/index.ts';

export interface Operation<TData, TVariables> {
  readonly document: DocumentNode;
  /** Carry the result and variables types; never set. */
  readonly __data?: TData;
  readonly __variables?: TVariables;
}

/**
 * Takes a typed document (its types read off `schema.graphql`), and validates it once, at import, against the
 * schema that runs it: a REST operation that drifted from the schema fails at start-up.
 */
export function defineOperation<TData, TVariables>(typed: TadaDocumentNode<TData, TVariables>): Operation<TData, TVariables> {
  // Parsed again by graphql-js, so that execution and error locations see its own AST.
  const source = print(typed);
  const document = parse(source);
  const [first] = validate(schema, document);
  if (first) throw new Error(`Invalid operation: ${first.message}\n${source}`);
  return { document };
}

export interface OperationResult<TData> {
  readonly data: TData | null;
  readonly errors: readonly GraphQLFormattedError[];
}

/** Runs an operation on the same schema, resolvers and auth rules as /graphql, in process (no HTTP hop). */
export async function runOperation<TData, TVariables>(
  operation: Operation<TData, TVariables>,
  variables: TVariables,
  context: Context,
): Promise<OperationResult<TData>> {
  // The same bound as /graphql: a REST page is an operation like any other, and must fit what its caller may ask.
  const definition = getOperationAST(operation.document);
  const coerced = definition ? getVariableValues(schema, definition.variableDefinitions ?? [], variables as Record<string, unknown>) : null;
  if (definition && coerced?.coerced) {
    const limits = context.settings.graphqlLimits ?? DEFAULT_GRAPHQL_LIMITS;
    const { refusal } = checkSize(
      schema,
      operation.document,
      definition,
      coerced.coerced,
      maxComplexityFor(limits, context.viewer, definition),
    );
    if (refusal) return { data: null, errors: [formatError(refusal, true)] };
  }
  const result = (await execute({
    schema,
    document: operation.document,
    variableValues: variables as Record<string, unknown>,
    contextValue: context,
  })) as ExecutionResult<TData>;
  // No `data` at all: execution never started, because a variable did not coerce. The variables are the
  // client's values (an out-of-range time, a too-long list), so that is their error, not ours.
  const requestError = !('data' in result);
  return { data: result.data ?? null, errors: (result.errors ?? []).map((error) => formatError(error, requestError)) };
}

/** A known failure (see knownFailure) keeps its place in the answer but takes the code that tells REST how to answer it. */
function formatError(error: GraphQLError, requestError: boolean): GraphQLFormattedError {
  const failure = error.originalError ? knownFailure(error.originalError) : null;
  if (failure) return { ...failure.toJSON(), ...(error.path ? { path: error.path } : {}) };
  const formatted = error.toJSON();
  if (requestError && !formatted.extensions?.code) return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
  return formatted;
}
