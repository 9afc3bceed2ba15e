import type { Draw } from './values.ts';

/**
 * Percent-encodes the UTF-8 bytes of any string. encodeURIComponent throws on a lone surrogate, so the string
 * goes through UTF-8 first, which turns one into U+FFFD, as any real client's encoder would.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
}

/** Broken percent-encodings a query-string or path parser must survive. */
const MALFORMED = ['%', '%2', '%zz', '%E0%A4', '%FF%FE', '%C0%80', '%ED%A0%80', '%00', '%25%', '%u0041'];

export type Pair = readonly [key: string, value: unknown];

/** Grape's ways of spelling one parameter in a query string or form: repeated keys, `k[]`, `k[sub]`. */
function flatten(draw: Draw, key: string, value: unknown): [string, string][] {
  if (Array.isArray(value)) {
    const bracket = draw.chance(50);
    return value.flatMap((item) => flatten(draw, bracket ? `${key}[]` : key, item));
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([sub, item]) => flatten(draw, `${key}[${sub}]`, item));
  }
  return [[key, value === undefined ? '' : String(value)]];
}

/** An urlencoded string of the pairs, sometimes with a malformed escape or a bare key thrown in. */
export function urlEncode(draw: Draw, pairs: readonly Pair[]): string {
  const parts = pairs
    .flatMap(([key, value]) => flatten(draw, key, value))
    .map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`);
  if (draw.chance(8)) parts.push(`${draw.pick(['a', 'token', 'id', ''])}=${draw.pick(MALFORMED)}`);
  if (draw.chance(5)) parts.push(draw.pick(['', '&', '=', 'flag', '==', '&&', '[]=1', 'a[=1', 'a]=1', 'a[b][c][d]=1']));
  return parts.join('&');
}

/** A path segment for `value`, occasionally mis-encoded. */
export function pathSegment(draw: Draw, value: unknown): string {
  if (draw.chance(5)) return draw.pick(MALFORMED);
  return percentEncode(String(value));
}

/** A multipart/form-data body; `broken` truncates it or leaves the boundary out of the body. */
export function multipart(draw: Draw, pairs: readonly Pair[]): { contentType: string; body: Buffer } {
  const boundary = `----fuzz${draw.nat(1_000_000)}`;
  const fields = pairs.flatMap(([key, value]) => flatten(draw, key, value));
  const parts = fields.map(([key, value]) => {
    const file = draw.chance(5) ? `; filename="${key}.txt"\r\nContent-Type: text/plain` : '';
    return `--${boundary}\r\nContent-Disposition: form-data; name="${key.replaceAll('"', '%22').replaceAll('\r', '').replaceAll('\n', '')}"${file}\r\n\r\n${value}\r\n`;
  });
  let text = `${parts.join('')}--${boundary}--\r\n`;
  const broken = draw.nat(19);
  if (broken === 0) text = text.slice(0, Math.floor(text.length / 2));
  if (broken === 1) text = text.replaceAll(boundary, 'other');
  const contentType = broken === 2 ? 'multipart/form-data' : `multipart/form-data; boundary=${boundary}`;
  return { contentType, body: Buffer.from(text, 'utf8') };
}
