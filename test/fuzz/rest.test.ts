import { describe, expect, it } from 'vitest';
import { fuzz, FuzzStats, useFuzzServer } from './harness.ts';
import { restViolation } from './invariants.ts';
import { restRequest, type RouteSpec, routesOf } from './rest-requests.ts';
import { FUZZ_RUNS, timeoutFor } from './settings.ts';

const SHARE = 0.5;

describe('fuzzing api/v4', () => {
  const server = useFuzzServer();
  const stats = new FuzzStats();
  let routes: RouteSpec[] = [];

  it('reads every route from the OpenAPI document', async () => {
    const response = await server.client.send({ method: 'GET', path: '/api/v4/openapi.json', headers: {} });
    routes = routesOf(response.json as Parameters<typeof routesOf>[0]);
    expect(routes.length).toBeGreaterThanOrEqual(19);
  });

  it(`answers ${Math.ceil(FUZZ_RUNS * SHARE)} generated requests without a 5xx, in GitLab's shapes, and refused writes change nothing`, {
    timeout: timeoutFor(SHARE),
  }, async () => {
    await fuzz(server, {
      share: SHARE,
      seedOffset: 1,
      stats,
      make: (draw, targets, hostile) => {
        const route = draw.pick(routes);
        return {
          label: route.label,
          request: restRequest(draw, targets, route, hostile),
          mutating: route.method !== 'GET',
          violation: restViolation,
          rejected: (response) => response.status >= 400,
        };
      },
    });
  });

  it('reached every route, and got past parameter checks and authentication on each', () => {
    console.info(stats.summary());
    // Of the requests sent, so that a run cut short by a failure does not fail here as well.
    const perRoute = stats.requests / routes.length;
    for (const route of routes) {
      expect(stats.count(route.label), route.label).toBeGreaterThan(perRoute / 3);
      expect(
        stats.count(route.label, (status) => status < 400 || status === 403 || status === 404 || status === 409),
        route.label,
      ).toBeGreaterThan(0);
    }
    expect(stats.unchangedChecks).toBeGreaterThan(stats.batches / 20);
  });
});
