import { Prisma } from '../db/generated/client.ts';
import { ValidationFailed } from '../errors.ts';

/** GitLab's namespace and username format (letters, digits, `_`, `-`, `.`; no leading `-` or `.`). */
export const PATH_FORMAT = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/;
export const PATH_FORMAT_MESSAGE = "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or '.'";
export const EMAIL_FORMAT = /^[^@\s]+@[^@\s]+$/;
export const TAKEN = 'has already been taken';

/**
 * Collects every attribute failure of one model before reporting them together, as a Rails model's `errors`
 * does, so a form learns all its problems in one round trip.
 */
export class AttributeChecks {
  private readonly failures: { attribute: string; message: string }[] = [];

  add(attribute: string, message: string): this {
    this.failures.push({ attribute, message });
    return this;
  }

  /** Required text: not blank, and within the column's length. */
  present(attribute: string, value: string | null | undefined, max: number): this {
    if (!value?.trim()) return this.add(attribute, "can't be blank");
    return this.length(attribute, value, max);
  }

  /** Optional text within the column's length. PostgreSQL text cannot hold a NUL character, so none may pass. */
  length(attribute: string, value: string | null | undefined, max: number): this {
    if (value && value.length > max) return this.add(attribute, `is too long (maximum is ${max} characters)`);
    if (value?.includes('\u0000')) this.add(attribute, 'cannot contain null bytes');
    return this;
  }

  format(attribute: string, ok: boolean, message = 'is invalid'): this {
    return ok ? this : this.add(attribute, message);
  }

  has(attribute: string): boolean {
    return this.failures.some((failure) => failure.attribute === attribute);
  }

  /** Throws ValidationFailed when any check failed. */
  verify(): void {
    if (this.failures.length) throw new ValidationFailed([...this.failures]);
  }
}

/**
 * A case-insensitive equality filter. Prisma turns `mode: 'insensitive'` into ILIKE without escaping, so `_`
 * and `%` (both legal in paths and emails) would match any character; they are escaped here.
 */
export function sameText(value: string): { equals: string; mode: 'insensitive' } {
  return { equals: value.replace(/[\\%_]/g, '\\$&'), mode: 'insensitive' };
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Whether `error` is a unique-constraint violation involving `column`. Checks before writing cannot see a
 * concurrent insert, so the constraint has the last word. The two driver adapters report it differently:
 * PGlite's names the constraint's fields, node-postgres's the index (`Group_parentId_path_key`).
 */
export function violatesUnique(error: unknown, column: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return false;
  const meta = error.meta as
    | { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: unknown; index?: unknown } } } }
    | undefined;
  const constraint = meta?.driverAdapterError?.cause?.constraint;
  const fields = [meta?.target, constraint?.fields].flatMap((value) => (Array.isArray(value) ? value : []));
  if (fields.includes(column)) return true;
  return typeof constraint?.index === 'string' && constraint.index.split('_').includes(column);
}
