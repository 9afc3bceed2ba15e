/**
 * The one vocabulary of failures the domain (`auth/`, `runners/`, `services/`) reports to clients. Each code carries
 * its own details; the transports map every code once: `graphql/errors.ts` to GraphQL errors, `rest/http.ts` to
 * GitLab's status lines and bodies. Both maps are exhaustive, so a new code that is not mapped fails type checking.
 */
export interface ErrorDetails {
  UNAUTHENTICATED: { readonly failure: AuthenticationFailure };
  /** `reason` is GitLab's wording ("No access granted", "Runner is locked"); REST prints it after "403 Forbidden - ". */
  FORBIDDEN: { readonly reason?: string };
  INSUFFICIENT_SCOPE: { readonly scopes: readonly string[] };
  /** What REST names in "404 … Not Found": a Resource, or the whole message GitLab gives `not_found!`. */
  NOT_FOUND: { readonly resource: string };
  BAD_USER_INPUT: { readonly argument?: string };
  CONFLICT: Record<never, never>;
  GONE: { readonly reason: string };
  PRECONDITION_FAILED: Record<never, never>;
  SERVICE_UNAVAILABLE: Record<never, never>;
}

export type ErrorCode = keyof ErrorDetails;

// GitLab names one resource by a phrase, `not_found!('Runner manager not found')`: its REST message is
// "404 Runner manager not found Not Found".
export type Resource = 'Runner' | 'Project' | 'Group' | 'User' | 'Job' | 'Pipeline' | 'Token' | 'Member' | 'Runner manager not found';

export type AuthenticationFailure = 'missing' | 'invalid' | 'expired' | 'revoked';

/** A failure meant for the client, by code; anything else that is thrown is a bug of ours (a 500). */
export class DomainError<Code extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: Code,
    message: string,
    readonly details: ErrorDetails[Code],
  ) {
    super(message);
  }
}

export function isDomainError<Code extends ErrorCode>(error: unknown, ...codes: Code[]): error is DomainError<Code> {
  return error instanceof DomainError && (codes.length === 0 || codes.includes(error.code as Code));
}

export function notFound(resource: Resource): DomainError<'NOT_FOUND'> {
  return new DomainError('NOT_FOUND', `${resource} not found`, { resource });
}

/** GitLab's `not_found!(message)`: the message is the whole phrase, and REST answers "404 <message> Not Found". */
export function notFoundAs(message: string): DomainError<'NOT_FOUND'> {
  return new DomainError('NOT_FOUND', message, { resource: message });
}

export function forbidden(reason?: string): DomainError<'FORBIDDEN'> {
  return new DomainError('FORBIDDEN', reason ? `Forbidden: ${reason}` : 'Forbidden', reason ? { reason } : {});
}

const AUTH_MESSAGES: Record<AuthenticationFailure, string> = {
  missing: 'Authentication required',
  invalid: 'Invalid token',
  expired: 'Token is expired. You can either do re-authorization or token refresh.',
  revoked: 'Token was revoked. You have to re-authorize from the user.',
};

export function unauthenticated(failure: AuthenticationFailure): DomainError<'UNAUTHENTICATED'> {
  return new DomainError('UNAUTHENTICATED', AUTH_MESSAGES[failure], { failure });
}

export function insufficientScope(accepted: readonly string[]): DomainError<'INSUFFICIENT_SCOPE'> {
  return new DomainError('INSUFFICIENT_SCOPE', 'The request requires higher privileges than provided by the access token.', {
    scopes: accepted,
  });
}

export function badInput(message: string, argument?: string): DomainError<'BAD_USER_INPUT'> {
  return new DomainError('BAD_USER_INPUT', message, argument ? { argument } : {});
}

export function conflict(message: string): DomainError<'CONFLICT'> {
  return new DomainError('CONFLICT', message, {});
}

export function gone(reason: string): DomainError<'GONE'> {
  return new DomainError('GONE', `Gone: ${reason}`, { reason });
}

export function preconditionFailed(): DomainError<'PRECONDITION_FAILED'> {
  return new DomainError('PRECONDITION_FAILED', 'The resource was modified after the given time', {});
}

/** The database is down, restarting, out of connections or too slow; the request may be retried. */
export function serviceUnavailable(): DomainError<'SERVICE_UNAVAILABLE'> {
  return new DomainError('SERVICE_UNAVAILABLE', 'Service Unavailable: the database is unavailable, try again later', {});
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
