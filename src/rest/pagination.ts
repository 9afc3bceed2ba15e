import type { FastifyReply, FastifyRequest } from 'fastify';
import { externalUrlOf } from '../http/external-url.ts';
import type { RawParams } from './params.ts';

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
/** Above this many rows GitLab stops counting and drops X-Total, X-Total-Pages and rel="last". */
export const MAX_COUNT = 10_000;

export const paginationSpecs = {
  page: { type: 'integer', default: 1 },
  per_page: { type: 'integer', default: DEFAULT_PER_PAGE, exceptValues: [0] },
} as const;

/** Kaminari's reading of page/per_page: over 100 is clamped, negative is the default, page ≤ 0 is page 1. */
export function pageWindow(params: { page?: number | null; per_page?: number | null }) {
  const requested = params.per_page ?? DEFAULT_PER_PAGE;
  const perPage = requested < 0 ? DEFAULT_PER_PAGE : Math.min(requested, MAX_PER_PAGE);
  const page = Math.max(params.page ?? 1, 1);
  return { page, perPage, offset: (page - 1) * perPage };
}

/** Rails' Hash#to_query: keys sorted, arrays as key[]=, spaces as +. */
function toQuery(params: RawParams): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return Object.keys(params)
    .sort()
    .flatMap((key) => {
      const value = params[key];
      if (value === undefined || value === null) return [];
      if (Array.isArray(value)) return value.map((item) => `${encode(`${key}[]`)}=${encode(String(item))}`);
      if (typeof value === 'object') return [];
      return [`${encode(key)}=${encode(String(value))}`];
    })
    .join('&');
}

/** `externalUrl` null: the links lead back to the scheme and host the client called (see externalUrlOf). */
function pageUrl(externalUrl: string | null, request: FastifyRequest, params: RawParams, page: Record<string, string | number>): string {
  const path = request.url.split('?')[0] ?? '';
  return `${externalUrlOf(request, externalUrl)}${path}?${toQuery({ ...params, ...page })}`;
}

/** GitLab's offset pagination headers (OffsetHeaderBuilder), Link echoing every request parameter. */
export function setPaginationHeaders(
  reply: FastifyReply,
  request: FastifyRequest,
  externalUrl: string | null,
  params: RawParams,
  window: { page: number; perPage: number },
  total: number | null,
  rowsOnPage: number,
  /** Without a total: whether a row follows this page, when the caller knows (Kaminari's without_count looks one row ahead). */
  knownHasNext?: boolean,
): void {
  const counted = total !== null && total <= MAX_COUNT;
  const totalPages = counted ? Math.max(Math.ceil(total / window.perPage), 1) : null;
  const inRange = counted ? window.page <= totalPages! : true;
  const hasNext = counted ? window.page < totalPages! : (knownHasNext ?? rowsOnPage === window.perPage);
  const next = inRange && hasNext ? window.page + 1 : null;
  const prev = inRange && window.page > 1 ? window.page - 1 : null;
  const linkParams = { ...params, per_page: window.perPage };
  const links: string[] = [];
  if (prev) links.push(`<${pageUrl(externalUrl, request, linkParams, { page: prev })}>; rel="prev"`);
  if (next) links.push(`<${pageUrl(externalUrl, request, linkParams, { page: next })}>; rel="next"`);
  links.push(`<${pageUrl(externalUrl, request, linkParams, { page: 1 })}>; rel="first"`);
  if (totalPages) links.push(`<${pageUrl(externalUrl, request, linkParams, { page: totalPages })}>; rel="last"`);
  reply.header('x-per-page', String(window.perPage));
  reply.header('x-page', String(window.page));
  reply.header('x-next-page', next ? String(next) : '');
  reply.header('x-prev-page', prev ? String(prev) : '');
  if (counted) {
    reply.header('x-total', String(total));
    reply.header('x-total-pages', String(totalPages));
  }
  reply.header('link', links.join(', '));
}

/** Keyset pages carry only a rel="next" link with the cursor of the last row. */
export function setKeysetHeaders(
  reply: FastifyReply,
  request: FastifyRequest,
  externalUrl: string | null,
  params: RawParams,
  perPage: number,
  nextCursor: string | null,
): void {
  reply.header('x-per-page', String(perPage));
  if (nextCursor) {
    const { page: _page, ...rest } = params;
    reply.header('link', `<${pageUrl(externalUrl, request, { ...rest, per_page: perPage, cursor: nextCursor }, {})}>; rel="next"`);
  }
}
