import { Prisma } from './generated/client.ts';

/**
 * Database failures sorted by whose they are, so that each transport can answer them properly instead of with a
 * 500: `unavailable` is the database's (down, restarting, out of connections, too slow: 503, try again later),
 * `invalid_input` is the client's (a value PostgreSQL refuses to store or compare: 400).
 *
 * A failure arrives in layers: Prisma's error (`code: 'P1001'`), its driver-adapter error
 * (`meta.driverAdapterError.cause: { kind, originalCode }`), and sometimes the driver's own error, untranslated
 * (pg-pool's "timeout exceeded when trying to connect" has no code at all). Every layer is looked at.
 */
export type DatabaseFailure = 'unavailable' | 'invalid_input';

/** Prisma: can't reach (P1001), connect timeout (P1002), operation timeout (P1008), connection closed (P1017),
 * pool timeout (P2024), and transaction timeouts (P2028: could not start in `maxWait`, or ran past `timeout`). */
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);

/** Prisma: value too long (P2000), invalid value (P2005, P2006, P2007), out of range (P2020, P2033). */
const PRISMA_INVALID_INPUT = new Set(['P2000', 'P2005', 'P2006', 'P2007', 'P2020', 'P2033']);

/** The driver adapters' translated kinds. */
const KIND_UNAVAILABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const KIND_INVALID_INPUT = new Set(['LengthMismatch', 'ValueOutOfRange', 'InvalidInputValue']);

/**
 * SQLSTATEs: class 08 (connection exception), admin/crash shutdown and "the database system is starting up"
 * (57P01–57P03), too many connections (53300), and a statement cancelled by `statement_timeout` (57014).
 */
function sqlStateUnavailable(state: string): boolean {
  return state.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014'].includes(state);
}

/** Class 22 (data exception: too long, out of range, bad encoding, bad syntax for the type) and 54000 (an index
 * row too big), which only a value the client sent can cause. */
function sqlStateInvalidInput(state: string): boolean {
  return state.startsWith('22') || state === '54000';
}

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** node-postgres and pg-pool errors that carry no code, only these messages. */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /^Connection terminated/i,
  /encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /Cannot use a pool after calling end/i,
];

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The error and every error or error-like object it wraps, outermost first. */
function layers(error: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length && found.length < 16) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const layer = current as Record<string, unknown>;
    found.push(layer);
    const meta = layer.meta as Record<string, unknown> | undefined;
    queue.push(layer.originalError, layer.cause, meta?.driverAdapterError);
    if (Array.isArray(layer.errors)) queue.push(...(layer.errors as unknown[])); // AggregateError
  }
  return found;
}

function classifyLayer(layer: Record<string, unknown>): DatabaseFailure | null {
  const codes = [layer.code, layer.originalCode].filter((code): code is string => typeof code === 'string');
  for (const code of codes) {
    if (PRISMA_UNAVAILABLE.has(code) || SOCKET_CODES.has(code)) return 'unavailable';
    if (PRISMA_INVALID_INPUT.has(code)) return 'invalid_input';
    if (SQLSTATE.test(code)) {
      if (sqlStateUnavailable(code)) return 'unavailable';
      if (sqlStateInvalidInput(code)) return 'invalid_input';
    }
  }
  if (typeof layer.kind === 'string') {
    if (KIND_UNAVAILABLE.has(layer.kind)) return 'unavailable';
    if (KIND_INVALID_INPUT.has(layer.kind)) return 'invalid_input';
  }
  if (layer instanceof Error && codes.length === 0 && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(layer.message))) {
    return 'unavailable';
  }
  return null;
}

/**
 * Whose fault a database failure is, or null when the error is not one (or is a bug: a missing table, a
 * constraint the code should have checked). The outermost layer that says something wins.
 */
export function classifyDatabaseError(error: unknown): DatabaseFailure | null {
  for (const layer of layers(error)) {
    const failure = classifyLayer(layer);
    if (failure) return failure;
  }
  return null;
}

export const isDatabaseUnavailable = (error: unknown): boolean => classifyDatabaseError(error) === 'unavailable';

/** Whether Prisma refused a statement with this error code (P2002 unique, P2003 foreign key, P2025 no row). */
export function isPrismaError(error: unknown, code: string): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}
