/**
 * How much to fuzz, from the environment. CI runs the fixed seed and the default budget; a longer local run:
 *
 *   FUZZ_RUNS=100000 npm run test:fuzz            # 100,000 requests, same seed
 *   FUZZ_SEED=random FUZZ_RUNS=50000 npm run test:fuzz
 *
 * A failure prints the seed and fast-check's path to replay it: `FUZZ_SEED=<seed> FUZZ_PATH=<path>`.
 */

/** Total generated requests across the fuzz suite; each suite takes its share. */
export const FUZZ_RUNS = positive('FUZZ_RUNS', 10_000);

const DEFAULT_SEED = 20_261_125;

export const FUZZ_SEED = seed();

/** fast-check's replay path of a failure, to rerun only that counterexample. */
export const FUZZ_PATH = process.env.FUZZ_PATH || undefined;

/** Requests sent at once: enough to keep the server busy through the PGlite queue, few enough to shrink fast. */
export const BATCH_SIZE = positive('FUZZ_BATCH', 25);

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function seed(): number {
  const raw = process.env.FUZZ_SEED;
  if (!raw) return DEFAULT_SEED;
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`FUZZ_SEED must be an integer or "random", got "${raw}"`);
  return value;
}

/** fast-check's numRuns for a suite that sends `share` of FUZZ_RUNS requests, BATCH_SIZE per run. */
export function runsFor(share: number): number {
  return Math.max(1, Math.ceil((FUZZ_RUNS * share) / BATCH_SIZE));
}

/** A per-test time budget that grows with the number of requests (about 12 ms each, with a wide margin). */
export function timeoutFor(share: number): number {
  return 60_000 + FUZZ_RUNS * share * 25;
}
