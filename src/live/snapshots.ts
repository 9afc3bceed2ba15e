import { RUNNER_FACTS_SELECT } from '../auth/runner-policy.ts';
import type { Db } from '../db/client.ts';

/** The include that makes a runner row its own RunnerFacts too: one read serves the payload and the policy. */
export const SNAPSHOT_INCLUDE = {
  group: RUNNER_FACTS_SELECT.group,
  runnerProjects: RUNNER_FACTS_SELECT.runnerProjects,
} as const;

export function loadRunnerSnapshot(db: Db, runnerId: number) {
  return db.runner.findUnique({ where: { id: runnerId }, include: SNAPSHOT_INCLUDE });
}

/** A runner row with what the runner policy needs to know of it. */
export type RunnerSnapshot = NonNullable<Awaited<ReturnType<typeof loadRunnerSnapshot>>>;
