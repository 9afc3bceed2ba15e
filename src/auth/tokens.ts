import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** GitLab's prefixes: clients and secret scanners recognise tokens by them. */
export const TOKEN_PREFIX = {
  personalAccess: 'glpat-',
  runner: 'glrt-',
  registration: 'GR1348941',
} as const;

/** A new random token: 160 bits, URL-safe, behind a recognisable prefix. */
export function generateToken(prefix: string): string {
  return `${prefix}${randomBytes(20).toString('base64url')}`;
}

/**
 * Tokens carry 160 bits of entropy, so a plain SHA-256 (as GitLab's token_digest) is enough at rest:
 * the digest cannot be turned back into a usable token and needs no salt.
 */
export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares a presented token with a stored digest without leaking, through timing, how much matched. */
export function tokenMatches(token: string, digest: string): boolean {
  const presented = Buffer.from(digestToken(token), 'hex');
  const stored = Buffer.from(digest, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** The part of a runner token GitLab shows as its "short sha": enough to recognise, never to use. */
export function tokenPrefixOf(token: string): string {
  return token.slice(0, TOKEN_PREFIX.runner.length + 8);
}
