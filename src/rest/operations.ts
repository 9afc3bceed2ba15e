import type { Context } from '../graphql/context.ts';
import { type Operation, runOperation } from '../graphql/execute.ts';
import { RestError, restErrorFrom } from './http.ts';

/** Runs a REST route's operation; its first error becomes GitLab's answer (see restErrorFrom), else its data. */
export async function perform<TData, TVariables>(
  operation: Operation<TData, TVariables>,
  variables: TVariables,
  ctx: Context,
): Promise<TData> {
  const result = await runOperation(operation, variables, ctx);
  if (result.errors[0]) throw restErrorFrom(result.errors[0]);
  // Without errors an operation always has data; this only narrows the type.
  if (!result.data) throw new RestError(500, { message: '500 Internal Server Error' });
  return result.data;
}
