import { isDomainError } from '../errors.ts';

/** GitLab's refusals of a token (UNAUTHENTICATED: revoked, expired, invalid; FORBIDDEN: a blocked user). */
export function refusal(error: unknown): boolean {
  return isDomainError(error, 'UNAUTHENTICATED', 'FORBIDDEN');
}
