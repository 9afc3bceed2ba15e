import fc from 'fast-check';
import type { IdKind, Targets } from './world.ts';

const MB = 1_000_000;

/** Text that has broken servers before: encodings, control characters, bidi, lengths at and past column limits. */
const SPECIAL_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83D',
  '\uDE00y',
  '\u202Eevil\u202C',
  'שלום עולם',
  'مرحبا',
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  'e\u0301',
  '\u200B',
  '\uFEFF',
  '\r\n',
  '\t',
  '\u2028',
  '%',
  '%00',
  '%zz',
  '\\',
  '"',
  "'",
  "' OR 1=1 --",
  'Robert"); DROP TABLE "Runner";--',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell probe is a literal string, on purpose
  '${jndi:ldap://x}',
  '{{7*7}}',
  '../../../etc/passwd',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  'NaN',
  'Infinity',
  '1e309',
  '__proto__',
  'constructor',
  'gid://gitlab/Ci::Runner/1',
  'gid://gitlab/Project/1',
  'glpat-',
  'glrt-',
  'GR1348941',
];

const LENGTHS = [254, 255, 256, 1024, 2048, 2049, 65_536, 512 * 1024, MB];

/** Code units anywhere in UTF-16, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

const longString = fc
  .tuple(fc.constantFrom(...LENGTHS), fc.constantFrom('a', 'é', '😀', '\u0000', 'ab\uD800', '1'))
  .map(([length, unit]) => unit.repeat(Math.max(1, Math.floor(length / unit.length))));

const nastyString = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 12, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 12, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 8, arbitrary: fc.string({ unit: codeUnit, maxLength: 20 }) },
  // Rare: a megabyte of text costs the generator and the network more than it teaches after the first few.
  { weight: 1, arbitrary: longString },
);

/** Numbers at the edges of every integer type the stack has: PostgreSQL's int4 and int8, JS's safe integers. */
const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  2,
  10,
  100,
  101,
  599,
  600,
  2_147_483_647,
  2_147_483_648,
  -2_147_483_648,
  -2_147_483_649,
  4_294_967_296,
  9_007_199_254_740_991,
  // biome-ignore lint/correctness/noPrecisionLoss: 2^53 + 1 is the point: the first integer a double cannot hold
  9_007_199_254_740_993,
  1e21,
  -1e21,
  1.5,
  -0.5,
  1e-7,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];

const NUMERIC_STRINGS = [
  '1',
  ' 1 ',
  '+1',
  '-1',
  '01',
  '1.0',
  '1.5',
  '1e3',
  '1E+2',
  '0x10',
  '0b1',
  '0o7',
  '1_000',
  '١٢',
  '１',
  '--1',
  '1-',
  '2147483648',
  '99999999999999999999999999',
  '-99999999999999999999',
  '9'.repeat(400),
  'NaN',
  'Infinity',
  '',
  ' ',
];

const edgeNumber = fc.oneof(fc.constantFrom(...EDGE_NUMBERS), fc.integer(), fc.double({ noNaN: true }));

/** JSON nested `depth` levels deep, as arrays or objects: parsers and recursive walkers meet their limits here. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const deepValue = fc
  // Deeper nesting goes in as raw JSON text (deepJson); a value this deep must still survive JSON.stringify.
  .tuple(fc.constantFrom(10, 100, 1_000), fc.constantFrom('array' as const, 'object' as const))
  .map(([depth, kind]) => JSON.parse(deepJson(depth, kind)) as unknown);

/** Any JSON value, with a bias towards the awkward ones. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: edgeNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 5 }) },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.dictionary(nastyString, nastyString, { maxKeys: 4 }) },
);

const ARBITRARIES = {
  nastyString,
  longString,
  edgeNumber,
  numericString: fc.constantFrom(...NUMERIC_STRINGS),
  anyJson,
  deepValue,
  isoDate: fc.oneof(
    fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
    fc.constantFrom(
      '2024-02-30T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '-271821-04-20T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2024-01-01',
      '2024-01-01T25:00:00Z',
      'yesterday',
      '1e12',
      '2024-13-01T00:00:00Z',
    ),
  ),
  /** Header-safe text (latin-1 without control characters): what an HTTP client can actually send. */
  headerText: fc.oneof(
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 }),
    fc.constantFrom('', ' ', 'glpat-', 'Bearer', 'Bearer ', 'Bearer  x', 'Basic Zm9vOmJhcg==', 'bearer glpat-x', 'x'.repeat(8_000)),
  ),
} as const;

type Arbitraries = typeof ARBITRARIES;
type ArbitraryName = keyof Arbitraries;
type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

// One builder function for every named arbitrary, so fast-check's generator cache recognises repeated draws.
const named = (name: ArbitraryName): fc.Arbitrary<unknown> => ARBITRARIES[name];
// Choices are uniform: fast-check's bias towards small values would make the first batches all the same request.
const uniform = (max: number): fc.Arbitrary<number> => fc.noBias(fc.nat({ max }));

/**
 * Draws values inside a property, from fast-check's generator (`fc.gen()`), so that what is drawn can depend on
 * what exists right now (the ids the world holds) and still replays from the seed.
 */
export class Draw {
  constructor(private readonly g: fc.GeneratorValue) {}

  named<K extends ArbitraryName>(name: K): ValueOf<Arbitraries[K]> {
    return this.g(named, name) as ValueOf<Arbitraries[K]>;
  }

  nat(max: number): number {
    return this.g(uniform, max);
  }

  /** True `percent` times out of a hundred. */
  chance(percent: number): boolean {
    return this.nat(99) < percent;
  }

  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new Error('pick() from nothing');
    return items[this.nat(items.length - 1)] as T;
  }

  /** `count` distinct-ish picks, in the drawn order. */
  some<T>(items: readonly T[], count: number): T[] {
    return Array.from({ length: count }, () => this.pick(items));
  }
}

/** An id of `kind`: one that exists most of the time, otherwise one that cannot, or is not an id at all. */
export function drawId(draw: Draw, targets: Targets, kind: IdKind): string | number {
  const existing = targets.ids[kind];
  const roll = draw.nat(99);
  if (roll < 55 && existing.length) return draw.pick(existing);
  if (roll < 70) return draw.pick([0, -1, 2_147_483_647, 2_147_483_648, 99_999_999_999, 1e21, 123_456]);
  if (roll < 90) return draw.named('numericString');
  return draw.named('nastyString');
}

const MODEL_CLASSES = ['Ci::Runner', 'Ci::Build', 'Ci::Pipeline', 'Project', 'Group', 'User', 'PersonalAccessToken'];

/** A GitLab global ID for `modelClass`: a real one, one of the wrong class, an impossible one or a malformed one. */
export function drawGlobalId(draw: Draw, targets: Targets, kind: IdKind, modelClass: string): string {
  const roll = draw.nat(99);
  if (roll < 55) return `gid://gitlab/${modelClass}/${drawId(draw, targets, kind)}`;
  if (roll < 65) return `gid://gitlab/${draw.pick(MODEL_CLASSES)}/${drawId(draw, targets, kind)}`;
  if (roll < 85) {
    return draw.pick([
      `gid://gitlab/${modelClass}/`,
      `gid://gitlab/${modelClass}/-1`,
      `gid://gitlab/${modelClass}/0`,
      `gid://gitlab/${modelClass}/99999999999`,
      `gid://gitlab/${modelClass}/1/2`,
      `gid://gitlab/${modelClass}/1?x=1`,
      `gid://gitlab/${modelClass}/１`,
      `gid://gitlab//1`,
      'gid://gitlab/',
      'gid://other/Project/1',
      `GID://GITLAB/${modelClass}/1`,
      `gid://gitlab/${modelClass}/1\u0000`,
      `gid://gitlab/${modelClass}/${'9'.repeat(300)}`,
      ' gid://gitlab/Project/1',
    ]);
  }
  return draw.named('nastyString');
}

/** A full path: an existing project's or group's, a near miss, or junk. */
export function drawPath(draw: Draw, targets: Targets): string {
  const roll = draw.nat(99);
  const paths = [...targets.projectPaths, ...targets.groupPaths];
  if (roll < 50 && paths.length) return draw.pick(paths);
  if (roll < 65 && paths.length) return draw.pick(paths).toUpperCase();
  if (roll < 75) return draw.pick(['', '/', '//', 'a/', '/a', 'a//b', '..', 'fuzz/../fuzz', 'fuzz/sub/beta/', 'x'.repeat(3000)]);
  return draw.named('nastyString');
}

/** A value a well-behaved client would send for a parameter of a declared type, to get requests through. */
export function drawPlausible(draw: Draw, type: string, values?: readonly string[]): unknown {
  if (values?.length) return draw.pick(values);
  switch (type) {
    case 'integer':
      return draw.pick([1, 2, 20, 100, 600, 3600]);
    case 'boolean':
      return draw.pick([true, false, 'true', 'false']);
    case 'array':
      return draw.some(['linux', 'docker', 'gpu'], draw.nat(3));
    case 'object':
      return { name: 'fuzz-runner', version: '17.5.0', platform: 'linux' };
    default:
      return draw.pick(['fuzz', 'a description', 'ünïcødé ✓', '17.5.0']);
  }
}

/** A value for a parameter of a declared type: usually of that type, sometimes deliberately not. */
export function drawTyped(draw: Draw, type: string, values?: readonly string[]): unknown {
  if (draw.chance(15)) return draw.named('anyJson');
  switch (type) {
    case 'integer':
      return draw.chance(50) ? draw.named('edgeNumber') : draw.named('numericString');
    case 'boolean':
      return draw.pick([true, false, 'true', 'false', '1', '0', 'yes', 'no', 't', 'f', 'on', 'off', 'TRUE', '', '2', 'maybe', 1, 0, 2]);
    case 'array':
      return draw.chance(50) ? draw.some(['linux', 'docker', 'a,b', ' x ', ''], draw.nat(4)) : draw.named('nastyString');
    case 'object':
      return draw.chance(70)
        ? { name: draw.named('nastyString'), version: draw.named('nastyString'), [draw.named('nastyString')]: draw.named('anyJson') }
        : draw.named('anyJson');
    default:
      if (values?.length && draw.chance(60)) return draw.chance(85) ? draw.pick(values) : draw.pick(values).toUpperCase();
      return draw.named('nastyString');
  }
}
