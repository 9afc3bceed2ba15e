import { GraphQLError } from 'graphql';
import { classifyDatabaseError } from '../db/errors.ts';

/**
 * The one vocabulary of client-facing failures. Both transports read `extensions.code`: GraphQL clients
 * directly, the REST shim to pick GitLab's status line and body.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'INSUFFICIENT_SCOPE'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'GONE'
  | 'PRECONDITION_FAILED'
  | 'SERVICE_UNAVAILABLE';

export type Resource = 'Runner' | 'Project' | 'Group' | 'User' | 'Job' | 'Pipeline' | 'Token' | 'Member';

export function notFound(resource: Resource): GraphQLError {
  return new GraphQLError(`${resource} not found`, { extensions: { code: 'NOT_FOUND', resource } });
}

/** `reason` is GitLab's wording ("No access granted", "Runner is locked"); REST prints it after "403 Forbidden - ". */
export function forbidden(reason?: string): GraphQLError {
  return new GraphQLError(reason ? `Forbidden: ${reason}` : 'Forbidden', {
    extensions: { code: 'FORBIDDEN', ...(reason ? { reason } : {}) },
  });
}

export type AuthenticationFailure = 'missing' | 'invalid' | 'expired' | 'revoked';

const AUTH_MESSAGES: Record<AuthenticationFailure, string> = {
  missing: 'Authentication required',
  invalid: 'Invalid token',
  expired: 'Token is expired. You can either do re-authorization or token refresh.',
  revoked: 'Token was revoked. You have to re-authorize from the user.',
};

export function unauthenticated(failure: AuthenticationFailure): GraphQLError {
  return new GraphQLError(AUTH_MESSAGES[failure], {
    extensions: { code: 'UNAUTHENTICATED', failure, http: { status: 401 } },
  });
}

export function insufficientScope(accepted: readonly string[]): GraphQLError {
  return new GraphQLError('The request requires higher privileges than provided by the access token.', {
    extensions: { code: 'INSUFFICIENT_SCOPE', scopes: accepted },
  });
}

export function badInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}) } });
}

export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'CONFLICT' } });
}

export function gone(reason: string): GraphQLError {
  return new GraphQLError(`Gone: ${reason}`, { extensions: { code: 'GONE', reason } });
}

export function preconditionFailed(): GraphQLError {
  return new GraphQLError('The resource was modified after the given time', {
    extensions: { code: 'PRECONDITION_FAILED' },
  });
}

/**
 * A model validation failure, reported GitLab-style as data on the mutation payload
 * (`errors: ["Maximum timeout needs to be at least 10 minutes"]`) and, for the REST shim, per attribute.
 */
export class ValidationFailed extends Error {
  constructor(readonly attributeErrors: readonly { attribute: string; message: string }[]) {
    super(attributeErrors.map((e) => fullMessage(e.attribute, e.message)).join(', '));
  }

  get messages(): string[] {
    return this.attributeErrors.map((e) => fullMessage(e.attribute, e.message));
  }
}

function fullMessage(attribute: string, message: string): string {
  if (attribute === 'base') return message;
  const human = attribute.replace(/_/g, ' ');
  return `${human.charAt(0).toUpperCase()}${human.slice(1)} ${message}`;
}

/** The database is down, restarting, out of connections or too slow; the request may be retried. */
export function serviceUnavailable(): GraphQLError {
  return new GraphQLError('Service Unavailable: the database is unavailable, try again later', {
    extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
  });
}

/**
 * The client-facing error for a failure raised without a code that still is no bug of ours, or null: a database
 * failure, and Pothos's argument checks (a malformed cursor, both `first` and `last`). Both transports use it, so
 * /graphql and /api/v4 answer the same failure the same way.
 */
export function knownFailure(error: unknown): GraphQLError | null {
  if (error instanceof Error && error.name === 'PothosValidationError') return badInput(error.message);
  return databaseFailure(error);
}

/**
 * The client-facing error for a database failure (see `src/db/errors.ts`), or null for anything else. A value
 * the database refused is the client's to fix, so it is BAD_USER_INPUT, not a 500.
 */
export function databaseFailure(error: unknown): GraphQLError | null {
  switch (classifyDatabaseError(error)) {
    case 'unavailable':
      return serviceUnavailable();
    case 'invalid_input':
      return badInput('A value is invalid: it is out of range, too long, or not valid text');
    default:
      return null;
  }
}
