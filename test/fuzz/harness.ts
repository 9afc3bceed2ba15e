import fc from 'fast-check';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.ts';
import type { Database } from '../../src/db/client.ts';
import { DEFAULT_RATE_LIMITS } from '../../src/http/rate-limit.ts';
import { createTestDatabase } from '../support/db.ts';
import { describe, RawClient, type RawRequest, type RawResponse } from './client.ts';
import { BATCH_SIZE, FUZZ_PATH, FUZZ_SEED, runsFor } from './settings.ts';
import { Draw } from './values.ts';
import { checksum, type Targets, World } from './world.ts';

/** One generated request, and how to judge its answer. */
export interface FuzzCase {
  readonly label: string;
  readonly request: RawRequest;
  /** Whether it could change data if it succeeded (a REST write, a GraphQL mutation). */
  readonly mutating: boolean;
  violation(response: RawResponse): string | null;
  /** Whether the answer says the request was refused, so it must have changed nothing. */
  rejected(response: RawResponse): boolean;
  /** What the answer amounted to beyond its status (an error code), for the run's summary. */
  outcome?(response: RawResponse): string | null;
}

export interface FuzzServer {
  readonly database: Database;
  readonly world: World;
  readonly client: RawClient;
  /** What the server logged at error level since the last call: the stack traces behind 5xx answers. */
  takeErrors(): string[];
}

/**
 * The real HTTP server over a private database, seeded for fuzzing. Rate limits are off: thousands of requests
 * from one client is the point here, and the limiter has tests of its own.
 */
export function useFuzzServer(): FuzzServer {
  let database: Database;
  let world: World;
  let client: RawClient;
  let app: ReturnType<typeof buildApp>;
  let errors: string[] = [];
  const stream = { write: (line: string) => void errors.push(line.slice(0, 4_000)) };
  beforeAll(async () => {
    database = await createTestDatabase();
    world = new World(database.prisma);
    await world.seed();
    app = buildApp({
      database,
      settings: { externalUrl: 'http://gitlab.test' },
      rateLimits: { ...DEFAULT_RATE_LIMITS, enabled: false },
      logger: { level: 'error', stream },
    });
    client = new RawClient(new URL(await app.listen({ port: 0, host: '127.0.0.1' })));
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    await database?.close();
  });
  return {
    get database() {
      return database;
    },
    get world() {
      return world;
    },
    get client() {
      return client;
    },
    takeErrors() {
      const taken = errors;
      errors = [];
      return taken;
    },
  };
}

/** What a fuzz run did, to show it reached every route and judged enough batches. */
export class FuzzStats {
  readonly byLabel = new Map<string, Map<number, number>>();
  readonly outcomes = new Map<string, number>();
  requests = 0;
  batches = 0;
  /** Batches in which every write was refused, so the data was compared before and after. */
  unchangedChecks = 0;

  record(label: string, status: number, outcome?: string | null): void {
    if (outcome) this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    const statuses = this.byLabel.get(label) ?? new Map<number, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    this.byLabel.set(label, statuses);
    this.requests += 1;
  }

  count(label: string, accept: (status: number) => boolean = () => true): number {
    let total = 0;
    for (const [status, count] of this.byLabel.get(label) ?? []) if (accept(status)) total += count;
    return total;
  }

  summary(): string {
    const lines = [...this.byLabel]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([label, statuses]) =>
          `  ${label}: ${[...statuses]
            .sort(([a], [b]) => a - b)
            .map(([status, count]) => `${status}×${count}`)
            .join(' ')}`,
      );
    const outcomes = [...this.outcomes]
      .sort(([, a], [, b]) => b - a)
      .map(([outcome, count]) => `${outcome}×${count}`)
      .join(' ');
    return `${this.requests} requests in ${this.batches} batches, ${this.unchangedChecks} checked unchanged\n${lines.join('\n')}\n  outcomes: ${outcomes}`;
  }
}

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);
}

/**
 * Sends `share` of the fuzz budget, BATCH_SIZE requests at a time, and fails on the first batch with an answer
 * that breaks an invariant, or with refused writes that changed the data anyway.
 */
export async function fuzz(
  server: FuzzServer,
  options: { share: number; seedOffset: number; stats: FuzzStats; make: (draw: Draw, targets: Targets, hostile: boolean) => FuzzCase },
) {
  const { share, seedOffset, stats, make } = options;
  // The data as the previous batch left it: unless refresh() writes, it is this batch's starting point.
  let last: Record<string, string> | null = null;
  // One generator per batch: fast-check gives every fc.gen() of one run the same random stream, so an array of
  // them would draw the same request BATCH_SIZE times.
  const property = fc.asyncProperty(fc.gen(), async (g) => {
    if (await server.world.refresh()) last = null;
    const targets = server.world.targets;
    const draw = new Draw(g);
    // Every other batch is hostile throughout: its writes are nearly all refused, so it is one where the data
    // can be compared before and after. The others mix in well-formed requests that reach deeper.
    const hostile = stats.batches % 2 === 1;
    const cases = Array.from({ length: BATCH_SIZE }, () => make(draw, targets, hostile));
    const before = last ?? (await checksum(server.database.prisma));
    last = null;
    const outcomes = await Promise.all(
      cases.map((fuzzCase) =>
        server.client.send(fuzzCase.request).then(
          (response) => ({ response }),
          (error: unknown) => ({ error }),
        ),
      ),
    );
    stats.batches += 1;
    const problems: string[] = [];
    outcomes.forEach((outcome, index) => {
      const fuzzCase = cases[index]!;
      if ('error' in outcome) {
        problems.push(`${fuzzCase.label}: no answer (${String(outcome.error)})\n    ${describe(fuzzCase.request)}`);
        return;
      }
      stats.record(fuzzCase.label, outcome.response.status, fuzzCase.outcome?.(outcome.response));
      const violation = fuzzCase.violation(outcome.response);
      if (violation)
        problems.push(`${fuzzCase.label}: ${violation}\n    ${describe(fuzzCase.request)}\n    → ${outcome.response.text.slice(0, 500)}`);
    });
    const allRefused = outcomes.every(
      (outcome, index) => !cases[index]!.mutating || ('response' in outcome && cases[index]!.rejected(outcome.response)),
    );
    const after = await checksum(server.database.prisma);
    last = after;
    if (allRefused) {
      const changed = changedTables(before, after);
      stats.unchangedChecks += 1;
      if (changed.length) {
        const writes = cases.flatMap((fuzzCase, index) => {
          const outcome = outcomes[index]!;
          const answer =
            'response' in outcome ? `${outcome.response.status} ${outcome.response.text.slice(0, 300)}` : String(outcome.error);
          return fuzzCase.mutating ? [`    ${describe(fuzzCase.request)}\n      → ${answer}`] : [];
        });
        problems.push(`refused requests changed ${changed.join(', ')}:\n${writes.join('\n')}`);
      }
    }
    // Log lines reach the stream a moment after the answer that follows them.
    if (problems.length) await new Promise((resolve) => setTimeout(resolve, 100));
    const logged = server.takeErrors();
    if (problems.length) throw new Error(`${problems.length} problem(s):\n${problems.join('\n')}\nserver errors:\n${logged.join('\n')}`);
  });
  // fc.check, not fc.assert: the counterexample is the whole drawn batch, megabytes of it; the error above
  // already names the failing requests.
  const details = await fc.check(property, {
    seed: FUZZ_SEED + seedOffset,
    numRuns: runsFor(share),
    ...(FUZZ_PATH ? { path: FUZZ_PATH } : {}),
    // Shrinking replays whole batches against a server whose data has moved on; the failing request is already
    // printed in full, so by default stop at the first failure. FUZZ_SHRINK=1 shrinks anyway.
    endOnFailure: process.env.FUZZ_SHRINK !== '1',
  });
  if (details.failed) {
    const replay = `FUZZ_SEED=${FUZZ_SEED} FUZZ_PATH=${details.counterexamplePath}`;
    throw new Error(`fuzzing failed after ${details.numRuns} batches (replay: ${replay})\n${String(details.errorInstance)}`);
  }
}
