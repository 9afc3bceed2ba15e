import type { RunnerFacts } from '../auth/runner-policy.ts';
import type { Context } from './context.ts';

/** Runs a runner policy check; admins pass at once, so they never pay for loading the runner's facts. */
export async function runnerAllowed(
  ctx: Context,
  runnerId: number,
  check: (facts: RunnerFacts) => Promise<boolean>,
): Promise<boolean> {
  if (ctx.access.isAdmin) return true;
  const facts = await ctx.runnerFacts.load(runnerId);
  return facts !== null && check(facts);
}
