import { Prisma } from '../db/generated/client.ts';

/**
 * Where commands write. stdout carries only the result (a token, a summary) so it can be captured by a shell;
 * notes and progress go to stderr. Tests pass an in-memory implementation.
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** stderr, when it is a terminal: only then are progress bars drawn. */
  readonly terminal?: NodeJS.WriteStream;
}

/** The process's own streams. */
export function processOutput(): Output {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    ...(process.stderr.isTTY ? { terminal: process.stderr } : {}),
  };
}

/** A failure the user caused and can fix; reported as one line, never with a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Awaits `work`, turning a failure into a CliError that says what could not be done and why. */
export async function failsWith<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new CliError(`${what}: ${describeError(error)}`);
  }
}

/**
 * One line for any failure: our own and the services' messages as they are; Prisma's multi-line reports
 * reduced to their last line, which says what went wrong.
 */
export function describeError(error: unknown): string {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
    return 'a record with the same unique value already exists';
  }
  if (error instanceof Error) {
    const lines = error.message
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    return lines.at(-1) ?? error.name;
  }
  return String(error);
}
