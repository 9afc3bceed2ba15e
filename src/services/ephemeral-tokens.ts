import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { RegistrationType } from '../db/generated/enums.ts';

// GitLab shows a runner created in the UI its authentication token until the runner registers, so that the
// registration page can display it (`ephemeralAuthenticationToken`). GitLab keeps every runner token
// encrypted; here tokens are kept only as SHA-256 digests, so for that window alone the token is also kept
// sealed: AES-256-GCM under a server key, bound to the runner's current token digest. The sealed copy is
// dropped when the runner makes contact or its token is reset, and is useless after the window. The key never
// reaches the database: a database dump alone gives no token back.

/** GitLab's Ci::Runner::REGISTRATION_AVAILABILITY_TIME. */
export const REGISTRATION_WINDOW_MS = 60 * 60 * 1000;

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

// Without TOKEN_ENCRYPTION_KEY a key is made for this process: the token is then readable only from the
// process that created the runner, until it restarts, which is safe and merely less convenient.
let key: Buffer = randomBytes(32);

/** Derives the sealing key from a configured secret (TOKEN_ENCRYPTION_KEY), shared by every replica. */
export function useTokenEncryptionSecret(secret: string): void {
  key = createHash('sha256').update(`runners-gateway ephemeral runner tokens\0${secret}`, 'utf8').digest();
}

/** Seals a token for the registration window; `tokenDigest` is authenticated with it, so a reset voids it. */
export function sealToken(token: string, tokenDigest: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(tokenDigest, 'utf8'));
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

/** The token, or null when it was sealed for another token digest, under another key, or tampered with. */
export function openToken(sealed: string, tokenDigest: string): string | null {
  const [version, body] = sealed.split('.');
  if (version !== VERSION || !body) return null;
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(tokenDigest, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const token = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    return createHash('sha256').update(token, 'utf8').digest('hex') === tokenDigest ? token : null;
  } catch {
    return null;
  }
}

export interface RegistrationFacts {
  readonly registrationType: RegistrationType;
  readonly createdAt: Date;
  readonly contactedAt: Date | null;
}

/**
 * GitLab's `registration_available?`: a runner a user created (not one registered with a registration token),
 * less than an hour ago, that has not registered yet (no contact).
 */
export function registrationAvailable(runner: RegistrationFacts, now = Date.now()): boolean {
  return (
    runner.registrationType === 'authenticated_user' &&
    runner.createdAt.getTime() > now - REGISTRATION_WINDOW_MS &&
    runner.contactedAt === null
  );
}

/** GitLab's `read_ephemeral_token`: only the runner's creator, never an administrator as such. */
export function isRunnerCreator(viewerId: number | null | undefined, runner: { readonly creatorId: number | null }): boolean {
  return viewerId !== null && viewerId !== undefined && runner.creatorId === viewerId;
}
