import { describe, expect, it } from 'vitest';
import { createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';
import type { Json } from '../support/json.ts';

const server = useTestServer();

/** Every row of every table of the application, as text. */
async function databaseText(): Promise<string> {
  const tables = await server.db.$queryRawUnsafe<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const dumps: string[] = [];
  for (const { table_name } of tables) {
    const rows = await server.db.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
    dumps.push(...rows.map((r) => r.row));
  }
  return dumps.join('\n');
}

describe('tokens at rest', () => {
  it('stores no token in clear anywhere in the database after a full scenario', async () => {
    const admin = await createUser(server.db, { admin: true });
    const tokens: string[] = [admin.token];
    const gql = async (query: string, variables: Record<string, unknown> = {}, token: string | undefined = admin.token) => {
      const res = await server.graphql(query, variables, token);
      expect(res.errors, query).toBeUndefined();
      return res.data as Record<string, Json>;
    };

    const registration = (await gql(`mutation { runnersRegistrationTokenReset(input: { type: INSTANCE_TYPE }) { token } }`))
      .runnersRegistrationTokenReset.token;
    tokens.push(registration);
    const registered = (
      await gql(
        `mutation($t: String!) { runnerRegister(input: { token: $t, description: "r" }) { token runner { id } } }`,
        { t: registration },
        undefined,
      )
    ).runnerRegister;
    tokens.push(registered.token);
    const created = (
      await gql(`mutation { runnerCreate(input: { runnerType: INSTANCE_TYPE }) { runner { id ephemeralAuthenticationToken } } }`)
    ).runnerCreate.runner;
    tokens.push(created.ephemeralAuthenticationToken);
    // A runner awaiting registration keeps a sealed copy of its token for its creator, never the token itself.
    const awaiting = (
      await gql(`mutation { runnerCreate(input: { runnerType: INSTANCE_TYPE }) { runner { id ephemeralAuthenticationToken } } }`)
    ).runnerCreate.runner;
    tokens.push(awaiting.ephemeralAuthenticationToken);
    const readBack = (await gql(`query($id: CiRunnerID!) { runner(id: $id) { ephemeralAuthenticationToken } }`, { id: awaiting.id }))
      .runner;
    expect(readBack.ephemeralAuthenticationToken).toBe(awaiting.ephemeralAuthenticationToken);
    const reset = (
      await gql(`mutation($id: CiRunnerID!) { runnerAuthenticationTokenReset(input: { id: $id }) { token } }`, { id: created.id })
    ).runnerAuthenticationTokenReset;
    tokens.push(reset.token);
    await gql(`mutation($t: String!) { runnerVerify(input: { token: $t }) { token } }`, { t: reset.token }, undefined);
    const rest = await server.rest('POST', '/runners', { form: { token: registration } });
    tokens.push(rest.body.token);

    const text = await databaseText();
    expect(text.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(typeof token).toBe('string');
      expect(text.includes(token), 'a token is stored in clear').toBe(false);
      // Not even the secret part without its prefix.
      expect(text.includes(token.replace(/^(glpat-|glrt-|GR1348941)/, ''))).toBe(false);
    }
  });
});
