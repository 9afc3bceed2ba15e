/**
 * GitLab's API is Grape: every parameter may come in the query string or the body (form, multipart or JSON), on
 * every method, and is coerced and checked by declaration with fixed messages ("x is missing", "x is invalid",
 * "x does not have a valid value") that clients match on. This module reproduces that contract.
 */

export type RawParams = Record<string, unknown>;

/** Query and body merged (the body wins), `tag_list[]` read as `tag_list`, `info[name]` as `info.name`. */
export function mergeParams(query: unknown, body: unknown): RawParams {
  const merged: RawParams = {};
  for (const source of [query, body]) {
    if (!source || typeof source !== 'object' || Array.isArray(source)) continue;
    for (const [rawKey, value] of Object.entries(source as RawParams)) {
      const nested = /^([^[\]]+)\[([^[\]]+)\]$/.exec(rawKey);
      if (nested?.[1] && nested[2]) {
        const parent = (merged[nested[1]] && typeof merged[nested[1]] === 'object' ? merged[nested[1]] : {}) as RawParams;
        parent[nested[2]] = value;
        merged[nested[1]] = parent;
        continue;
      }
      merged[rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey] = value;
    }
  }
  return merged;
}

export type ParamType = 'integer' | 'float' | 'boolean' | 'string' | 'string_array' | 'hash';

export interface ParamSpec {
  readonly type: ParamType;
  readonly required?: boolean;
  readonly values?: readonly string[];
  readonly regexp?: RegExp;
  /** Grape's except_values (GitLab uses it for per_page=0). */
  readonly exceptValues?: readonly number[];
  readonly default?: unknown;
}

type Coerced<S extends ParamSpec> = S['type'] extends 'integer' | 'float'
  ? number
  : S['type'] extends 'boolean'
    ? boolean
    : S['type'] extends 'string_array'
      ? string[]
      : S['type'] extends 'hash'
        ? RawParams
        : S extends { readonly values: readonly (infer Value)[] }
          ? Value
          : string;

type RequiredKeys<Specs extends Record<string, ParamSpec>> = {
  [K in keyof Specs]: Specs[K] extends { readonly required: true } ? K : never;
}[keyof Specs];

/** What parseParams returns: a required parameter is always there (parseParams answers 400 when it is missing). */
export type ParsedParams<Specs extends Record<string, ParamSpec>> = {
  // Filtered by `as` rather than Exclude, so that named keys keep their types beside an index signature (specs that
  // spread the runner settings' derived parameters).
  [K in keyof Specs as K extends RequiredKeys<Specs> ? never : K]?: Coerced<Specs[K]>;
} & { [K in RequiredKeys<Specs>]: Coerced<Specs[K]> };

export interface ParamRules {
  readonly mutuallyExclusive?: readonly (readonly string[])[];
  readonly atLeastOneOf?: readonly string[];
}

const TRUE = new Set(['true', 't', '1', 'yes', 'y', 'on']);
const FALSE = new Set(['false', 'f', '0', 'no', 'n', 'off']);

function single(value: unknown): unknown {
  // A repeated scalar (`?status=a&status=b`) is read as Grape reads it: the last one.
  return Array.isArray(value) ? value.at(-1) : value;
}

function coerce(type: ParamType, input: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (type) {
    case 'integer': {
      const value = single(input);
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^\s*[-+]?\d{1,15}\s*$/.test(value)) return { ok: true, value: Number(value) };
      return { ok: false };
    }
    case 'float': {
      const value = single(input);
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === 'string' && /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(value))
        return { ok: true, value: Number(value) };
      return { ok: false };
    }
    case 'boolean': {
      const value = single(input);
      if (typeof value === 'boolean') return { ok: true, value };
      if (typeof value === 'number' && (value === 0 || value === 1)) return { ok: true, value: value === 1 };
      if (typeof value === 'string') {
        const lower = value.trim().toLowerCase();
        if (TRUE.has(lower)) return { ok: true, value: true };
        if (FALSE.has(lower)) return { ok: true, value: false };
      }
      return { ok: false };
    }
    case 'string': {
      const value = single(input);
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false };
    }
    case 'string_array': {
      // GitLab's CommaSeparatedToArray: "a, b" and ["a,b", "c"] both become a list of trimmed names.
      const items = Array.isArray(input) ? input : [input];
      if (!items.every((item) => typeof item === 'string' || typeof item === 'number')) return { ok: false };
      return {
        ok: true,
        value: items
          .flatMap((item) => String(item).split(','))
          .map((tag) => tag.trim())
          .filter(Boolean),
      };
    }
    case 'hash':
      return input && typeof input === 'object' && !Array.isArray(input) ? { ok: true, value: input } : { ok: false };
  }
}

/** A parameter failed its declaration; the message is Grape's, and GitLab answers it 400 `{"error": message}`. */
export class ParamError extends Error {}

/** Coerces and checks `raw` against `specs`; throws Grape's message, all failures joined by ", ". */
export function parseParams<Specs extends Record<string, ParamSpec>>(
  raw: RawParams,
  specs: Specs,
  rules: ParamRules = {},
): ParsedParams<Specs> {
  const errors: string[] = [];
  const params: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const input = raw[name];
    if (input === undefined || input === null) {
      if (spec.required) errors.push(`${name} is missing`);
      else if (spec.default !== undefined) params[name] = spec.default;
      continue;
    }
    // An empty value of a typed parameter means "not given" for Grape, except where it is required.
    if (input === '' && spec.type !== 'string' && spec.type !== 'string_array') {
      if (spec.required) errors.push(`${name} is empty`);
      else params[name] = spec.type === 'integer' || spec.type === 'float' ? null : spec.default;
      continue;
    }
    const result = coerce(spec.type, input);
    if (!result.ok) {
      errors.push(`${name} is invalid`);
      continue;
    }
    const value = result.value;
    if (spec.values && !spec.values.includes(String(value))) {
      errors.push(`${name} does not have a valid value`);
      continue;
    }
    if (spec.regexp && !spec.regexp.test(String(value))) {
      errors.push(`${name} is invalid`);
      continue;
    }
    if (spec.exceptValues?.includes(value as number)) {
      errors.push(`${name} has a value not allowed`);
      continue;
    }
    params[name] = value;
  }
  for (const group of rules.mutuallyExclusive ?? []) {
    if (group.filter((name) => raw[name] !== undefined).length > 1) errors.push(`${group.join(', ')} are mutually exclusive`);
  }
  if (rules.atLeastOneOf && !rules.atLeastOneOf.some((name) => raw[name] !== undefined)) {
    errors.push(`${rules.atLeastOneOf.join(', ')} are missing, at least one parameter must be provided`);
  }
  if (errors.length) throw new ParamError(errors.join(', '));
  return params as ParsedParams<Specs>;
}

/** GitLab's REST enum values are GraphQL's in lower case: `ref_protected` is `REF_PROTECTED`. */
export function upper<Value extends string>(value: Value): Uppercase<Value> {
  // TypeScript types toUpperCase() as a plain string.
  return value.toUpperCase() as Uppercase<Value>;
}
