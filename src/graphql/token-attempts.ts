import { type DocumentNode, getOperationAST, type GraphQLError, Kind, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.ts';

/** Root mutations that take a runner or registration token: guessing tokens through them must cost as on REST. */
const TOKEN_MUTATIONS = new Set(['runnerRegister', 'runnerVerify', 'runnerUnregister', 'runnerManagerUnregister']);
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

export function tokenMutationPlugin<TContext extends { readonly viewer: Viewer | null }>(
  limiter: TokenAttemptLimiter<TContext>,
): Plugin<TContext> {
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
