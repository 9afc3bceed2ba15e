import { GraphQLError } from 'graphql';

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
  | 'PRECONDITION_FAILED';

export type Resource = 'Runner' | 'Project' | 'Group' | 'User' | 'Job' | 'Pipeline' | 'Token';

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
