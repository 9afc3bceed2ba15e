import { describe, expect, it } from 'vitest';
import { DataVersions } from '../../src/db/data-version.ts';
import { useTestServer } from '../support/server.ts';

// Every conditional request reads the data version for itself, so that a 304 never hides an acknowledged write. Those
// that ask within one turn of the event loop share one read: it is sent after each of them asked.

const server = useTestServer();

describe('the data version read for conditional requests', () => {
  it('is read once for everyone who asks within one turn, and again for whoever asks after it was sent', async () => {
    const versions = new DataVersions(server.db);
    let read: string[] = [];
    expect(await server.countQueries(async () => (read = await Promise.all(Array.from({ length: 5 }, () => versions.current()))))).toBe(1);
    expect(new Set(read).size).toBe(1);
    expect(await server.countQueries(async () => [await versions.current(), await versions.current()])).toBe(2);
  });

  it('reads a write committed before the read was asked for', async () => {
    const versions = new DataVersions(server.db);
    const before = await versions.current();
    await server.db.user.create({ data: { username: 'versioned', name: 'Versioned', email: 'versioned@example.com' } });
    expect(BigInt(await versions.current())).toBeGreaterThan(BigInt(before));
  });
});
