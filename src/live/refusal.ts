import { GraphQLError } from 'graphql';

/** GitLab's refusals of a token (UNAUTHENTICATED: revoked, expired, invalid; FORBIDDEN: a blocked user). */
export function refusal(error: unknown): boolean {
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  return code === 'UNAUTHENTICATED' || code === 'FORBIDDEN';
}
