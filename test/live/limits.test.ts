import { describe, expect, it } from 'vitest';
import { DEFAULT_GRAPHQL_LIMITS } from '../../src/graphql/limits.ts';
import { createRunner, createUser, runnerGid } from '../support/factories.ts';
import { subscribeSse, subscribeWs } from '../support/live.ts';
import { rateLimits, startApp } from '../security/app.ts';

const RUNNER_UPDATED = `subscription($id: CiRunnerID!) { ciRunnerUpdated(runnerId: $id) { kind } }`;

describe('subscription limits', () => {
  it('counts each subscription against the caller’s rate limit, over SSE and WebSocket alike', async () => {
    const app = await startApp({ rateLimits: rateLimits({ authenticated: { limit: 2, periodSeconds: 60 } }) });
    const { token } = await createUser(app.db, { admin: true });
    const { runner } = await createRunner(app.db);
    const variables = { id: runnerGid(runner.id) };

    const first = subscribeSse(app.url, RUNNER_UPDATED, variables, token);
    const second = subscribeWs(app.url, RUNNER_UPDATED, variables, token);
    await Promise.all([first.ready, second.ready]);
    const third = subscribeWs(app.url, RUNNER_UPDATED, variables, token);
    expect((await third.next()).errors?.[0]).toMatchObject({ message: 'Retry later', extensions: { code: 'RATE_LIMITED' } });
    const fourth = subscribeSse(app.url, RUNNER_UPDATED, variables, token);
    expect((await fourth.next()).errors?.[0]).toMatchObject({ message: 'Retry later', extensions: { code: 'RATE_LIMITED' } });
    for (const client of [first, second, third, fourth]) client.close();
  });

  it('refuses over WebSocket a subscription above the complexity limit, and any query or mutation', async () => {
    const app = await startApp({ graphqlLimits: { ...DEFAULT_GRAPHQL_LIMITS, maxComplexity: 3 } });
    const { token } = await createUser(app.db);
    const costly = subscribeWs(app.url, 'subscription { ciRunnersUpdated { kind runner { id description status } } }', {}, token);
    expect((await costly.next()).errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'complexity', max: 3 });
    const query = subscribeWs(app.url, '{ currentUser { username } }', {}, token);
    expect((await query.next()).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_REQUEST' });
    costly.close();
    query.close();
  });
});
