import type { FastifyRequest } from 'fastify';
import type { SchemaSettings } from '../graphql/context.ts';

/** What the server is configured with: a fixed external URL (GitLab's `external_url`), or none. */
export interface ServerSettings extends Omit<SchemaSettings, 'externalUrl'> {
  /** `null`: built from each request's scheme and host, so links lead back to the address the client used. */
  readonly externalUrl: string | null;
}

/** A host as a client may name it: a DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The base of the links in an answer (pagination `Link`, `web_url`s). Without EXTERNAL_URL, the request's own
 * scheme and host: Fastify reads `X-Forwarded-Proto` and `X-Forwarded-Host` only from proxies TRUST_PROXY names,
 * so a client cannot point another client's links elsewhere. A host that is no host name (a forged header with a
 * path or spaces) falls back to the address the connection came in on.
 */
export function externalUrlOf(request: FastifyRequest, configured: string | null): string {
  if (configured) return configured;
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  const host = request.host;
  if (host && HOST.test(host)) return `${protocol}://${host}`;
  const address = request.socket.localAddress ?? '127.0.0.1';
  const port = request.socket.localPort;
  return `${protocol}://${address.includes(':') ? `[${address}]` : address}${port ? `:${port}` : ''}`;
}

/** The schema's settings for one request. */
export function settingsFor(request: FastifyRequest, settings: ServerSettings): SchemaSettings {
  return { ...settings, externalUrl: externalUrlOf(request, settings.externalUrl) };
}
