import { type GraphQLInputType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType } from 'graphql';
import { type Draw, drawGlobalId, drawId, drawPath } from './values.ts';
import type { IdKind, Targets } from './world.ts';

/** A drawn argument value, in both of the forms a request can carry it: JSON (a variable) and a literal. */
export interface ArgValue {
  readonly json: unknown;
  readonly literal: string;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Prints a JSON value as a GraphQL literal; object keys that are not names become `_`, so the text still parses. */
export function literalOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literalOf).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([key, item]) => `${NAME.test(key) ? key : '_'}: ${literalOf(item)}`)
    .join(', ')}}`;
}

const plain = (json: unknown): ArgValue => ({ json, literal: literalOf(json) });

const ID_SCALARS: Record<string, { kind: IdKind; modelClass: string }> = {
  CiRunnerID: { kind: 'runner', modelClass: 'Ci::Runner' },
  JobID: { kind: 'job', modelClass: 'Ci::Build' },
  CiPipelineID: { kind: 'pipeline', modelClass: 'Ci::Pipeline' },
  ProjectID: { kind: 'project', modelClass: 'Project' },
  GroupID: { kind: 'group', modelClass: 'Group' },
  UserID: { kind: 'user', modelClass: 'User' },
};

/** Realistic values by argument name, so that inputs often pass validation and reach the database. */
function byName(draw: Draw, targets: Targets, name: string, plausible: boolean): unknown {
  switch (name) {
    case 'fullPath':
    case 'projectPath':
    case 'groupPath':
      return plausible ? draw.pick([...targets.projectPaths, ...targets.groupPaths]) : drawPath(draw, targets);
    case 'path':
      return plausible ? `fuzz-${draw.nat(100_000)}` : undefined;
    case 'name':
      return plausible ? `Fuzz ${draw.nat(100_000)}` : undefined;
    case 'token':
      return draw.pick([...targets.runnerTokens, ...targets.registrationTokens, ...targets.userTokens]);
    case 'sha':
      return plausible
        ? draw.nat(0xffff).toString(16).padStart(40, 'a')
        : draw.pick(['a'.repeat(40), 'ABCDEF0123456789abcdef0123456789abcdef01', 'a'.repeat(39), 'g'.repeat(40), 'a'.repeat(64)]);
    case 'username':
      return plausible ? `fuzz-user-${draw.nat(100_000)}` : draw.pick(targets.usernames);
    case 'email':
    case 'authorEmail':
      return plausible
        ? `fuzz${draw.nat(100_000)}@example.com`
        : draw.pick(['a@example.com', 'x@y', '@', 'a@b@c', `${'a'.repeat(300)}@example.com`]);
    case 'ref':
      return plausible
        ? draw.pick(['main', 'feature/x', 'v1.0'])
        : draw.pick(['main', 'feature/x', 'v1.0', 'a..b', 'x.lock', '/a', 'a b', 'a\u0000b']);
    case 'after':
    case 'before':
      if (plausible) return undefined;
      return draw.pick(['', 'MQ', 'YXJyYXljb25uZWN0aW9uOjA=', 'R1BDOk46MQ==', 'not base64!', '\uD800', 'x'.repeat(5000)]);
    default:
      return undefined;
  }
}

/** A plausible value of a built-in or custom scalar, such as a client that read the schema would send. */
function plausibleScalar(draw: Draw, targets: Targets, type: string): unknown {
  const idScalar = ID_SCALARS[type];
  if (idScalar) {
    const existing = targets.ids[idScalar.kind];
    return `gid://gitlab/${idScalar.modelClass}/${existing.length && draw.chance(90) ? draw.pick(existing) : 123_456}`;
  }
  switch (type) {
    case 'Int':
      return draw.pick([1, 2, 5, 20, 100, 600, 3600]);
    case 'Float':
      return draw.pick([0, 12.5, 99.9]);
    case 'Boolean':
      return draw.chance(50);
    case 'Time':
      return draw.pick(['2030-01-01T00:00:00Z', '2024-06-01T12:00:00.000Z', new Date(Date.now() + 86_400_000).toISOString()]);
    case 'ID':
      return drawPath(draw, targets);
    default:
      return draw.pick(['fuzz', 'linux', 'A description', 'ünïcødé ✓ 😀', 'fuzz-user', 'x'.repeat(255)]);
  }
}

/**
 * A value for an input of `type`. Hostile (the default): usually plausible, sometimes the wrong type, null, or an
 * extreme. Plausible: what a well-behaved client sends, so that the request gets past validation.
 */
export function inputValue(draw: Draw, targets: Targets, type: GraphQLInputType, name: string, depth = 0, plausible = false): ArgValue {
  if (!plausible && (depth > 6 || draw.chance(6))) return plain(draw.named('anyJson'));
  if (isNonNullType(type))
    return !plausible && draw.chance(3) ? plain(null) : inputValue(draw, targets, type.ofType, name, depth, plausible);
  if (!plausible && draw.chance(4)) return plain(null);
  if (isListType(type)) {
    if (!plausible && draw.chance(15)) return inputValue(draw, targets, type.ofType, name, depth + 1); // coerced to a one-item list
    const length = plausible ? 1 + draw.nat(2) : draw.chance(5) ? draw.pick([100, 1_000, 20_000]) : draw.nat(4);
    const first = inputValue(draw, targets, type.ofType, name, depth + 1, plausible);
    // A long list repeats a short item: twenty thousand copies of a megabyte string would not fit in memory.
    const filler = first.literal.length <= 200 ? first : plain(null);
    const items = Array.from({ length }, (_, index) =>
      index < 4 ? inputValue(draw, targets, type.ofType, name, depth + 1, plausible) : filler,
    );
    return { json: items.map((item) => item.json), literal: `[${items.map((item) => item.literal).join(', ')}]` };
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((value) => value.name);
    if (plausible || draw.chance(85)) {
      const value = draw.pick(values);
      return { json: value, literal: value };
    }
    const wrong = draw.pick([values[0]?.toLowerCase() ?? 'x', 'NOPE', '', '__proto__']);
    return { json: wrong, literal: NAME.test(wrong) ? wrong : JSON.stringify(wrong) };
  }
  if (isInputObjectType(type)) {
    const entries: [string, ArgValue][] = [];
    for (const field of Object.values(type.getFields())) {
      if (!isNonNullType(field.type) && draw.chance(50)) continue;
      if (!plausible && isNonNullType(field.type) && draw.chance(3)) continue; // a required field left out
      entries.push([field.name, inputValue(draw, targets, field.type, field.name, depth + 1, plausible)]);
    }
    if (!plausible && draw.chance(5)) entries.push([draw.pick(['unknownField', 'id', '__typename']), plain(draw.named('anyJson'))]);
    return {
      json: Object.fromEntries(entries.map(([key, value]) => [key, value.json])),
      literal: `{${entries.map(([key, value]) => `${key}: ${value.literal}`).join(', ')}}`,
    };
  }
  if (!isScalarType(type)) return plain(null);
  const hinted = draw.chance(plausible ? 90 : 70) ? byName(draw, targets, name, plausible) : undefined;
  if (hinted !== undefined) return plain(hinted);
  if (plausible) return plain(plausibleScalar(draw, targets, type.name));
  const idScalar = ID_SCALARS[type.name];
  if (idScalar) return plain(drawGlobalId(draw, targets, idScalar.kind, idScalar.modelClass));
  switch (type.name) {
    case 'Int':
      return plain(draw.chance(60) ? draw.pick([0, 1, 2, 5, 20, 100, 101, -1, 600, 3600]) : draw.named('edgeNumber'));
    case 'Float':
      return plain(draw.named('edgeNumber'));
    case 'Boolean':
      return plain(draw.chance(90) ? draw.chance(50) : draw.pick(['true', 1, 0]));
    case 'Time':
      return plain(draw.named('isoDate'));
    case 'ID':
      return plain(
        draw.chance(50)
          ? drawPath(draw, targets)
          : drawGlobalId(
              draw,
              targets,
              draw.pick(['runner', 'token', 'user'] as const),
              draw.pick(['Ci::Runner', 'PersonalAccessToken', 'User']),
            ),
      );
    default:
      return plain(
        draw.chance(80)
          ? draw.named('nastyString')
          : draw.pick([...targets.usernames, 'linux', 'docker', 'main', String(drawId(draw, targets, 'runner'))]),
      );
  }
}
