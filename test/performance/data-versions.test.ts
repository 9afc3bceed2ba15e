import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { DataVersions } from '../../src/db/data-version.ts';
import { createTestDatabase } from '../support/db.ts';

// Every conditional request reads the data version for itself, so that a 304 never hides an acknowledged write. Those
// that ask within one turn of the event loop share one read: it is sent after each of them asked.

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

async function statements(work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const counted = () => {
    count += 1;
  };
  database.onQuery.add(counted);
  try {
    await work();
  } finally {
    database.onQuery.delete(counted);
  }
  return count;
}

describe('the data version read for conditional requests', () => {
  it('is read once for everyone who asks within one turn, and again for whoever asks after it was sent', async () => {
    const versions = new DataVersions(database.prisma);
    let read: string[] = [];
    expect(await statements(async () => (read = await Promise.all(Array.from({ length: 5 }, () => versions.current()))))).toBe(1);
    expect(new Set(read).size).toBe(1);
    expect(await statements(async () => [await versions.current(), await versions.current()])).toBe(2);
  });

  it('reads a write committed before the read was asked for', async () => {
    const versions = new DataVersions(database.prisma);
    const before = await versions.current();
    await database.prisma.user.create({ data: { username: 'versioned', name: 'Versioned', email: 'versioned@example.com' } });
    expect(BigInt(await versions.current())).toBeGreaterThan(BigInt(before));
  });
});
