import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { classifyDatabaseError } from '../../src/db/errors.ts';
import { Prisma } from '../../src/db/generated/client.ts';

const prisma = (code: string, cause?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError(`failure ${code}`, {
    code,
    clientVersion: Prisma.prismaVersion.client,
    meta: cause ? { driverAdapterError: Object.assign(new Error(String(cause.kind)), { cause }) } : undefined,
  });

const socket = (code: string) => Object.assign(new Error(`connect ${code}`), { code, errno: -111, syscall: 'connect' });

// The shapes below are the ones the drivers were seen to produce (a PostgreSQL restart, an unreachable host, a
// full pool, a terminated backend), each as it reaches the transports.
describe('classifyDatabaseError', () => {
  it.each([
    ['cannot reach the server (P1001)', prisma('P1001', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 })],
    ['pool timeout (P2024)', prisma('P2024')],
    ['a transaction past its timeout or maxWait (P2028)', prisma('P2028')],
    ['a raw query on a backend the admin terminated (57P01)', prisma('P2010', { kind: 'postgres', originalCode: '57P01', code: '57P01' })],
    ['the database starting up (57P03)', prisma('P2010', { kind: 'postgres', code: '57P03' })],
    ['too many connections', prisma('P2037', { kind: 'TooManyConnections' })],
    ['a connection reset', prisma('P1017', { kind: 'ConnectionClosed' })],
    ['a statement timeout (57014)', prisma('P2010', { kind: 'postgres', code: '57014' })],
    ["pg-pool's own timeout, untranslated", new Error('timeout exceeded when trying to connect')],
    ['a connection that died mid-transaction', new Error('Client has encountered a connection error and is not queryable')],
    ['a terminated connection', new Error('Connection terminated unexpectedly')],
    ['ECONNREFUSED from the socket', socket('ECONNREFUSED')],
    ['a class 08 SQLSTATE', Object.assign(new Error('connection failure'), { code: '08006', severity: 'FATAL' })],
    ['wrapped in a GraphQLError by a resolver', new GraphQLError('wrapped', { originalError: prisma('P1001') })],
  ])('%s is unavailable (503)', (_name, error) => {
    expect(classifyDatabaseError(error)).toBe('unavailable');
  });

  it.each([
    ['a value too long for its column (P2000)', prisma('P2000')],
    ['a number out of range', prisma('P2020', { kind: 'ValueOutOfRange' })],
    ['a string the column type cannot parse (22P02)', prisma('P2010', { kind: 'InvalidInputValue' })],
    ['bytes invalid in UTF-8 (22021)', prisma('P2010', { kind: 'postgres', code: '22021' })],
    ['an index row too large (54000)', prisma('P2010', { kind: 'postgres', code: '54000' })],
  ])("%s is the client's (400)", (_name, error) => {
    expect(classifyDatabaseError(error)).toBe('invalid_input');
  });

  it.each([
    ['a unique violation, which the code checks for itself', prisma('P2002', { kind: 'UniqueConstraintViolation' })],
    ['a missing table, which is a bug', prisma('P2021', { kind: 'TableDoesNotExist' })],
    ['any other error', new TypeError('x is undefined')],
    ['an error with an unrelated code', Object.assign(new Error('nope'), { code: 'ERR_INVALID_ARG_TYPE' })],
    ['not an error at all', 'P1001'],
  ])('%s is none of these (a 500 still)', (_name, error) => {
    expect(classifyDatabaseError(error)).toBeNull();
  });
});
