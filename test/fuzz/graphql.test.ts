import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema/index.ts';
import { graphqlRequest, rootFieldsOf } from './graphql-requests.ts';
import { fuzz, FuzzStats, useFuzzServer } from './harness.ts';
import { graphqlOutcome, graphqlRejected, graphqlViolation } from './invariants.ts';
import { FUZZ_RUNS, timeoutFor } from './settings.ts';

const SHARE = 0.5;
const headerValue = (value: string | readonly string[] | undefined) =>
  Array.isArray(value) ? value.join(', ') : (value as string | undefined);
const roots = rootFieldsOf(schema);

describe('fuzzing /graphql', () => {
  const server = useFuzzServer();
  const stats = new FuzzStats();

  it(`answers ${Math.ceil(FUZZ_RUNS * SHARE)} generated operations without a 5xx or an internal error, each error with a code`, {
    timeout: timeoutFor(SHARE),
  }, async () => {
    await fuzz(server, {
      share: SHARE,
      seedOffset: 2,
      stats,
      make: (draw, targets, hostile) => {
        const root = draw.pick(roots);
        const { request, mutationAliases, mutating } = graphqlRequest(draw, targets, root, hostile);
        return {
          label: root.label,
          request,
          mutating,
          violation: (response) => graphqlViolation(response, { method: request.method, accept: headerValue(request.headers.accept) }),
          rejected: (response) => graphqlRejected(response, mutationAliases),
          outcome: (response) => graphqlOutcome(response, mutationAliases),
        };
      },
    });
  });

  it('reached every query and mutation', () => {
    console.info(stats.summary());
    expect(roots.length).toBeGreaterThanOrEqual(25);
    // Of the requests sent, so that a run cut short by a failure does not fail here as well.
    const perField = stats.requests / roots.length;
    for (const root of roots) expect(stats.count(root.label), root.label).toBeGreaterThan(perField / 3);
    expect(stats.unchangedChecks).toBeGreaterThan(stats.batches / 20);
  });
});
