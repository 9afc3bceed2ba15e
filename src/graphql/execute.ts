import { type DocumentNode, type ExecutionResult, execute, type GraphQLFormattedError, parse, validate } from 'graphql';
import type { Context } from './context.ts';
import { schema } from './schema/index.ts';

export interface Operation<TData> {
  readonly document: DocumentNode;
  /** Carries the result type; never set. */
  readonly __data?: TData;
}

/** Parses and validates once, at import: a REST operation that drifted from the schema fails at start-up. */
export function defineOperation<TData>(source: string): Operation<TData> {
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
export async function runOperation<TData>(
  operation: Operation<TData>,
  variables: Record<string, unknown>,
  context: Context,
): Promise<OperationResult<TData>> {
  const result = (await execute({ schema, document: operation.document, variableValues: variables, contextValue: context })) as ExecutionResult<TData>;
  return { data: result.data ?? null, errors: (result.errors ?? []).map((error) => error.toJSON()) };
}
