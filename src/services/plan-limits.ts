import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import { ValidationFailed } from '../errors.ts';
import { STALE_TIMEOUT_MS } from '../runners/status.ts';

// GitLab's plan limits on registered runners (PlanLimits: ci_registered_group_runners, ci_registered_project_runners),
// checked as GitLab's Limitable concern checks them when a runner joins a group or a project.

/** GitLab's plans on a self-managed instance: just the default one. */
export const PLANS = ['default'] as const;

export interface RunnerPlanLimits {
  ciRegisteredGroupRunners: number;
  ciRegisteredProjectRunners: number;
}

/** GitLab's column defaults. */
const DEFAULTS: RunnerPlanLimits = { ciRegisteredGroupRunners: 1000, ciRegisteredProjectRunners: 1000 };
const MAX = 2_147_483_647;

type Tx = Prisma.TransactionClient;

export async function planLimits(db: Tx, plan = 'default'): Promise<RunnerPlanLimits> {
  const row = await db.planLimit.findUnique({ where: { plan } });
  return row
    ? { ciRegisteredGroupRunners: row.ciRegisteredGroupRunners, ciRegisteredProjectRunners: row.ciRegisteredProjectRunners }
    : { ...DEFAULTS };
}

export async function updatePlanLimits(db: Db, plan: string, changes: Partial<RunnerPlanLimits>): Promise<RunnerPlanLimits> {
  const errors = (Object.entries(changes) as [keyof RunnerPlanLimits, number | undefined][])
    .filter(([, value]) => value !== undefined && (!Number.isInteger(value) || value < 0 || value > MAX))
    .map(([key]) => ({
      attribute: key === 'ciRegisteredGroupRunners' ? 'ci_registered_group_runners' : 'ci_registered_project_runners',
      message: 'must be greater than or equal to 0',
    }));
  if (errors.length) throw new ValidationFailed(errors);
  const data = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  await db.planLimit.upsert({ where: { plan }, create: { plan, ...data }, update: data });
  return planLimits(db, plan);
}

/** GitLab's Ci::Runner.recent: created or contacted within the stale window. Only those count against a limit. */
function recent(now: number): Prisma.RunnerWhereInput {
  const since = new Date(now - STALE_TIMEOUT_MS);
  return { OR: [{ createdAt: { gte: since } }, { contactedAt: { gte: since } }] };
}

/**
 * Refuses one more runner for a project or a group that already has its plan's number of recent runners, with
 * GitLab's message on GitLab's attribute (`runner_projects.base`, `runner_namespaces.base`). A limit of 0 is none.
 */
export async function assertRunnerLimit(db: Tx, owner: { projectId: number } | { groupId: number }, now = Date.now()): Promise<void> {
  const limits = await planLimits(db);
  const [limit, name, attribute, where]: [number, string, string, Prisma.RunnerWhereInput] =
    'projectId' in owner
      ? [
          limits.ciRegisteredProjectRunners,
          'ci registered project runners',
          'runner_projects.base',
          { runnerProjects: { some: { projectId: owner.projectId } } },
        ]
      : [
          limits.ciRegisteredGroupRunners,
          'ci registered group runners',
          'runner_namespaces.base',
          { runnerType: 'group_type', groupId: owner.groupId },
        ];
  if (limit <= 0) return;
  const count = await db.runner.count({ where: { AND: [where, recent(now)] } });
  if (count >= limit) throw new ValidationFailed([{ attribute, message: `Maximum number of ${name} (${limit}) exceeded` }]);
}

/** GitLab's full message for a limit error: the base message alone. */
export function limitMessage(error: ValidationFailed): string {
  return error.attributeErrors.map((e) => e.message).join(', ');
}
