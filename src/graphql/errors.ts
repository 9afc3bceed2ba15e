import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { GraphQLError, type GraphQLFieldResolver } from 'graphql';
import { classifyDatabaseError } from '../db/errors.ts';
import { badInput, DomainError, type ErrorCode, type ErrorDetails, serviceUnavailable } from '../errors.ts';

/**
 * Each domain error code's GraphQL `extensions` after `code` (and its HTTP status where the whole request fails
 * with it). GraphQL clients read them directly; the REST shim reads them to pick GitLab's answer.
 */
const EXTENSIONS = {
  UNAUTHENTICATED: ({ failure }) => ({ failure, http: { status: 401 } }),
  FORBIDDEN: ({ reason }) => (reason ? { reason } : {}),
  INSUFFICIENT_SCOPE: ({ scopes }) => ({ scopes }),
  NOT_FOUND: ({ resource }) => ({ resource }),
  BAD_USER_INPUT: ({ argument }) => (argument ? { argument } : {}),
  CONFLICT: () => ({}),
  GONE: ({ reason }) => ({ reason }),
  PRECONDITION_FAILED: () => ({}),
  SERVICE_UNAVAILABLE: () => ({ http: { status: 503 } }),
} satisfies { [Code in ErrorCode]: (details: ErrorDetails[Code]) => Record<string, unknown> };

/** The GraphQL error for a domain error: its message, and its code and details as `extensions`. */
export function graphqlError<Code extends ErrorCode>(error: DomainError<Code>): GraphQLError {
  const extensions = (EXTENSIONS[error.code] as (details: ErrorDetails[Code]) => Record<string, unknown>)(error.details);
  return new GraphQLError(error.message, { extensions: { code: error.code, ...extensions } });
}

/** A domain error as its GraphQL error; anything else as it is. */
export function asGraphQLError(error: unknown): unknown {
  return error instanceof DomainError ? graphqlError(error) : error;
}

/**
 * The one place resolvers' domain errors become GraphQL errors: every field's resolver (and subscriber) is
 * wrapped when the schema is built, outermost, so the scope checks of the other plugins are covered too.
 */
export class DomainErrorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    _fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    return mapErrors(resolver);
  }

  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined,
    _fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> | undefined {
    return subscribe && mapErrors(subscribe);
  }
}

function mapErrors<Args extends unknown[], Result>(resolver: (...args: Args) => Result): (...args: Args) => Result {
  return (...args) => {
    try {
      const result = resolver(...args);
      if (result instanceof Promise) {
        return result.catch((error: unknown) => {
          throw asGraphQLError(error);
        }) as Result;
      }
      return result;
    } catch (error) {
      throw asGraphQLError(error);
    }
  };
}

export const domainErrorsPlugin = 'domainErrors' as const;
SchemaBuilder.registerPlugin(domainErrorsPlugin, DomainErrorsPlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      domainErrors: DomainErrorsPlugin<Types>;
    }
  }
}

/**
 * The client-facing error for a failure raised without a code that still is no bug of ours, or null: a database
 * failure, and Pothos's argument checks (a malformed cursor, both `first` and `last`). Both transports use it, so
 * /graphql and /api/v4 answer the same failure the same way.
 */
export function knownFailure(error: unknown): GraphQLError | null {
  if (error instanceof Error && error.name === 'PothosValidationError') return graphqlError(badInput(error.message));
  return databaseFailure(error);
}

/**
 * The client-facing error for a database failure (see `src/db/errors.ts`), or null for anything else. A value
 * the database refused is the client's to fix, so it is BAD_USER_INPUT, not a 500.
 */
export function databaseFailure(error: unknown): GraphQLError | null {
  switch (classifyDatabaseError(error)) {
    case 'unavailable':
      return graphqlError(serviceUnavailable());
    case 'invalid_input':
      return graphqlError(badInput('A value is invalid: it is out of range, too long, or not valid text'));
    default:
      return null;
  }
}
