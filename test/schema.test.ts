import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema/index.ts';
import { diffMigrationsToSchema } from '../src/db/schema-engine.ts';

describe('the committed contracts', () => {
  it('schema.graphql is the printed schema (run `npm run schema` after changing it)', () => {
    expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(`${printSchema(schema)}\n`);
  });

  it('prisma/migrations build exactly prisma/schema.prisma (run `npm run db:migration:create -- <name>`)', async () => {
    expect(await diffMigrationsToSchema()).toBe('');
  });
});
