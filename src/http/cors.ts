import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** What frontend apps on the configured origins may do: every method the two APIs use, with our documented headers. */
export function corsPolicy(app: FastifyInstance, origins: readonly string[]): void {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  app.register(cors, {
    // `false` for a request without an allowed Origin: no CORS header at all, on answers and preflights alike
    // (a preflight from a refused origin is then a plain OPTIONS, answered with `Allow`).
    origin: (origin, callback) => callback(null, origin && (any || allowed.has(origin)) ? (any ? '*' : origin) : false),
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'Content-Type',
      'Authorization',
      'PRIVATE-TOKEN',
      'X-Requested-With',
      'X-Request-Id',
      'x-graphql-yoga-csrf',
      'If-Unmodified-Since',
    ],
    exposedHeaders: [
      'X-Total',
      'X-Total-Pages',
      'X-Per-Page',
      'X-Page',
      'X-Next-Page',
      'X-Prev-Page',
      'Link',
      'X-Request-Id',
      'Retry-After',
      'RateLimit-Name',
      'RateLimit-Limit',
      'RateLimit-Observed',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'RateLimit-ResetTime',
    ],
    // Browsers cap this (Chromium at 2 hours); an hour spares most preflights.
    maxAge: 3600,
  });
}
