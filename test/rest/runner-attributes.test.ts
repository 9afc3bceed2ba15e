import { type DocumentNode, Kind, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import { RunnerDetailsFragment, RunnerFragment } from '../../src/rest/runner-entities.ts';
import { RUNNER_ATTRIBUTE_LIST } from '../../src/runners/attributes.ts';
import { createRunner, createUser } from '../support/factories.ts';
import { useTestServer } from '../support/server.ts';

// The REST entities' fragments are literal documents (gql.tada types them), so they cannot be derived from the
// runner settings table: these checks fail when a setting that GitLab's REST entities show is missing from them.

const server = useTestServer();

/** The fields a fragment selects directly, by fragment name. */
function selections(document: DocumentNode): Map<string, Set<string>> {
  const byFragment = new Map<string, Set<string>>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    const fields = new Set<string>();
    for (const selection of definition.selectionSet.selections) if (selection.kind === Kind.FIELD) fields.add(selection.name.value);
    byFragment.set(definition.name.value, fields);
  }
  return byFragment;
}

const restSettings = RUNNER_ATTRIBUTE_LIST.flatMap((attribute) => (attribute.rest ? [{ ...attribute, rest: attribute.rest }] : []));

describe('the runner settings table and the REST entities', () => {
  it("selects every REST setting in its entity's fragment", () => {
    const runner = selections(RunnerFragment).get('RestRunner');
    const details = selections(RunnerDetailsFragment).get('RestRunnerDetails');
    expect(runner && details).toBeTruthy();
    for (const attribute of restSettings) {
      const selected = attribute.rest.entity === 'Runner' ? runner : new Set([...(runner ?? []), ...(details ?? [])]);
      for (const field of [attribute.name, ...(attribute.inverse ? [attribute.inverse.name] : [])]) {
        expect(selected?.has(field), `${field} in the ${attribute.rest.entity} fragment`).toBe(true);
      }
    }
    // The documents are well formed: visiting them finds the fragments named above.
    let fragments = 0;
    visit(RunnerDetailsFragment, { FragmentDefinition: () => void fragments++ });
    expect(fragments).toBeGreaterThanOrEqual(2);
  });

  it('answers every REST setting (and its deprecated inverse) in GET /runners/:id, and documents it', async () => {
    const admin = await createUser(server.db, { admin: true });
    const { runner } = await createRunner(server.db);
    const { body } = await server.rest('GET', `/runners/${runner.id}`, { token: admin.token });
    const { body: openapi } = await server.rest('GET', '/openapi.json');
    const documented = {
      ...openapi.components.schemas.Runner.properties,
      ...openapi.components.schemas.RunnerDetails.allOf[1].properties,
    };
    const update = openapi.paths['/runners/{id}'].put.requestBody.content['application/json'].schema.properties;
    for (const attribute of restSettings) {
      for (const key of [attribute.rest.name, ...(attribute.inverse ? [attribute.inverse.name] : [])]) {
        expect(body, key).toHaveProperty([key]);
        expect(documented, key).toHaveProperty([key]);
        if (attribute.writtenBy.includes('updater')) expect(update, key).toHaveProperty([key]);
      }
    }
  });
});
