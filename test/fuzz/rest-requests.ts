import type { RawRequest } from './client.ts';
import { multipart, type Pair, pathSegment, urlEncode } from './encode.ts';
import { deepJson, type Draw, drawId, drawPath, drawPlausible, drawTyped } from './values.ts';
import type { Targets } from './world.ts';

/** One route of the shim, as its OpenAPI document declares it. */
export interface RouteSpec {
  readonly method: string;
  /** OpenAPI syntax: `/runners/{id}`. */
  readonly path: string;
  readonly label: string;
  readonly params: readonly { name: string; type: string; values?: readonly string[]; required: boolean }[];
  readonly userAuth: boolean;
}

interface OpenApiSchema {
  type?: string;
  enum?: string[];
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean; schema: OpenApiSchema }[];
  requestBody?: { content: Record<string, { schema: OpenApiSchema }> };
  security?: unknown[];
}

/** Every route in the document, with its declared parameters (path ones apart: they are drawn by name). */
export function routesOf(document: { paths: Record<string, Record<string, OpenApiOperation>> }): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const query = (operation.parameters ?? []).filter((param) => param.in === 'query');
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      const body = Object.entries(bodySchema?.properties ?? {});
      routes.push({
        method: method.toUpperCase(),
        path,
        label: `${method.toUpperCase()} ${path}`,
        params: [
          ...query.map((param) => ({
            name: param.name,
            type: param.schema.type ?? 'string',
            values: param.schema.enum,
            required: !!param.required,
          })),
          ...body.map(([name, schema]) => ({
            name,
            type: schema.type ?? 'string',
            values: schema.enum,
            required: !!bodySchema?.required?.includes(name),
          })),
        ],
        userAuth: (operation.security ?? []).length > 0,
      });
    }
  }
  return routes;
}

function pathParam(draw: Draw, targets: Targets, route: RouteSpec, name: string): unknown {
  if (name === 'runner_id' || route.path.startsWith('/runners')) return drawId(draw, targets, 'runner');
  const kind = route.path.startsWith('/projects') ? 'project' : 'group';
  return draw.chance(35) ? drawPath(draw, targets) : drawId(draw, targets, kind);
}

function tokenParam(draw: Draw, targets: Targets): unknown {
  const roll = draw.nat(99);
  if (roll < 40 && targets.runnerTokens.length) return draw.pick(targets.runnerTokens);
  if (roll < 75) return draw.pick(targets.registrationTokens);
  if (roll < 85) return draw.pick(targets.userTokens);
  return drawTyped(draw, 'string');
}

type Auth = { headers: Record<string, string | string[]>; param?: Pair };

function auth(draw: Draw, targets: Targets): Auth {
  const token = draw.chance(80) ? draw.pick(targets.userTokens) : draw.named('headerText');
  switch (draw.nat(9)) {
    case 0:
      return { headers: {} };
    case 1:
      return { headers: {}, param: ['private_token', draw.chance(70) ? token : draw.named('nastyString')] };
    case 2:
      return { headers: { authorization: `Bearer ${token}` } };
    case 3:
      return { headers: { 'private-token': [token, draw.pick(targets.userTokens)] } };
    case 4:
      return { headers: { authorization: draw.named('headerText') } };
    default:
      return { headers: { 'private-token': token } };
  }
}

/**
 * The parameters: declared ones (each maybe left out), sometimes unknown or repeated ones too. A third of the
 * requests are well-behaved apart from one parameter at most, so that they get past validation to the code
 * behind it; the rest are hostile throughout.
 */
function params(draw: Draw, targets: Targets, route: RouteSpec, hostile: boolean): Pair[] {
  const pairs: Pair[] = [];
  const plausible = !hostile && draw.chance(35);
  const odd = plausible && route.params.length ? draw.pick(route.params).name : null;
  for (const param of route.params) {
    if (plausible ? !param.required && draw.chance(50) : draw.chance(35)) continue;
    const value =
      param.name === 'token'
        ? tokenParam(draw, targets)
        : param.name.endsWith('_id') && draw.chance(60)
          ? drawId(draw, targets, param.name === 'group_id' ? 'group' : 'project')
          : plausible && param.name !== odd
            ? drawPlausible(draw, param.type, param.values)
            : drawTyped(draw, param.type, param.values);
    pairs.push([param.name, value]);
    if (draw.chance(5)) pairs.push([param.name, drawTyped(draw, param.type, param.values)]);
  }
  if (draw.chance(10))
    pairs.push([
      draw.pick(['unknown', 'id', 'page', 'per_page', 'scope', 'info[name]', 'tag_list[]', draw.named('nastyString')]),
      draw.named('anyJson'),
    ]);
  return pairs;
}

function objectOf(pairs: readonly Pair[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of pairs) object[key] = value;
  return object;
}

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/vnd.api+json',
];
const OTHER_TYPES = [
  'text/plain',
  'application/xml',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/html; charset=utf-16',
  'garbage',
  '',
];
const MALFORMED_JSON = [
  '{',
  '{"a":',
  '{"a":1,}',
  '{"a":1}x',
  '[1,2',
  '\uFEFF{"a":1}',
  '{a:1}',
  "{'a':1}",
  '{"a":"\\u00"}',
  '{"a":"\\ud800"}',
  'nul',
  '',
  ' ',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
];

/** Where the parameters travel, as GitLab accepts them, and the broken ways too. */
function encodeBody(draw: Draw, pairs: readonly Pair[]): { query: Pair[]; contentType?: string; body?: Buffer } {
  switch (draw.nat(11)) {
    case 0:
    case 1:
      return { query: [...pairs] };
    case 2:
    case 3:
    case 4:
      return { query: [], contentType: draw.pick(JSON_TYPES), body: Buffer.from(JSON.stringify(objectOf(pairs)), 'utf8') };
    case 5:
    case 6:
      return { query: [], contentType: 'application/x-www-form-urlencoded', body: Buffer.from(urlEncode(draw, pairs), 'utf8') };
    case 7: {
      const { contentType, body } = multipart(draw, pairs);
      return { query: [], contentType, body };
    }
    case 8:
      return { query: [...pairs], contentType: draw.pick(JSON_TYPES), body: Buffer.from(draw.pick(MALFORMED_JSON), 'utf8') };
    case 9: {
      const depth = draw.pick([100, 1_000, 10_000, 100_000, 400_000]);
      const text = draw.chance(50) ? deepJson(depth, draw.chance(50) ? 'array' : 'object') : `{"token":${deepJson(depth, 'array')}}`;
      return { query: [...pairs], contentType: 'application/json', body: Buffer.from(text, 'utf8') };
    }
    case 10:
      return {
        query: [],
        contentType: draw.pick(OTHER_TYPES),
        body: Buffer.from(draw.chance(50) ? JSON.stringify(objectOf(pairs)) : urlEncode(draw, pairs), 'utf8'),
      };
    default: {
      // Just past the body limit, or a JSON document that is not an object.
      const huge = draw.chance(50);
      const text = huge
        ? JSON.stringify({ description: 'x'.repeat(1_048_600) })
        : draw.pick(['[]', '[{"token":"x"}]', '"token"', '1', 'null', 'true']);
      return { query: [...pairs], contentType: 'application/json', body: Buffer.from(text, 'utf8') };
    }
  }
}

/** A request to `route`: its path filled in, its parameters drawn, sent one of GitLab's ways or a broken one. */
export function restRequest(draw: Draw, targets: Targets, route: RouteSpec, hostile = false): RawRequest {
  const path = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => pathSegment(draw, pathParam(draw, targets, route, name)));
  const { headers, param } = route.userAuth || draw.chance(10) ? auth(draw, targets) : { headers: {} };
  const pairs = params(draw, targets, route, hostile);
  if (param) pairs.push(param);
  const encoded = route.method === 'GET' && draw.chance(90) ? { query: pairs } : encodeBody(draw, pairs);
  const query = encoded.query.length ? `?${urlEncode(draw, encoded.query)}` : '';
  const extra: Record<string, string> = {};
  if (draw.chance(5))
    extra['if-unmodified-since'] = draw.pick(['Wed, 21 Oct 2015 07:28:00 GMT', 'garbage', '', '0', 'Sat, 01 Jan 100000 00:00:00 GMT']);
  if (encoded.contentType !== undefined) extra['content-type'] = encoded.contentType;
  return { method: route.method, path: `/api/v4${path}${query}`, headers: { ...headers, ...extra }, body: encoded.body };
}
