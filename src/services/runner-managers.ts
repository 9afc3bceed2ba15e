import { isIP } from 'node:net';
import type { Db as Client } from '../db/client.ts';
import type { Prisma, RunnerManager } from '../db/generated/client.ts';

/** The client or a transaction: contacts are recorded inside a job's transition too. */
type Db = Prisma.TransactionClient;
import { ValidationFailed } from '../errors.ts';

// Runner managers: the hosts (gitlab-runner processes) using one runner's token, told apart by the `system_id`
// they send (GitLab's Ci::RunnerManager, since 15.10). What GitLab records on each contact is followed here from
// its `authenticate_runner!` helper of GitLab 16.x–17.x (lib/api/ci/helpers/runner.rb).

/** The system_id GitLab files a runner's contacts under when the runner sends none. */
export const LEGACY_SYSTEM_XID = '<legacy>';

/** What a host reports about itself (GitLab's `info`), plus the address it called from. */
export interface HostFacts {
  version?: string | null;
  revision?: string | null;
  platform?: string | null;
  architecture?: string | null;
  executor?: string | null;
  ipAddress?: string | null;
}

// GitLab's Ci::RunnerManager validations (system_xid 64; version 2048; revision, platform, architecture 255;
// ip_address 1024); the executor is stored by name, and GitLab's names are short.
const LIMITS = { version: 2048, revision: 255, platform: 255, architecture: 255, executor: 64, ipAddress: 1024 } as const;
const SYSTEM_XID_MAX = 64;

function factErrors(systemXid: string, facts: HostFacts): { attribute: string; message: string }[] {
  const errors: { attribute: string; message: string }[] = [];
  if (!systemXid.trim()) errors.push({ attribute: 'system_xid', message: "can't be blank" });
  if (systemXid.length > SYSTEM_XID_MAX)
    errors.push({ attribute: 'system_xid', message: `is too long (maximum is ${SYSTEM_XID_MAX} characters)` });
  for (const [key, max] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
    if ((facts[key]?.length ?? 0) > max) {
      errors.push({ attribute: key === 'ipAddress' ? 'ip_address' : key, message: `is too long (maximum is ${max} characters)` });
    }
  }
  if (facts.ipAddress && !isIP(facts.ipAddress)) errors.push({ attribute: 'ip_address', message: 'is invalid' });
  return errors;
}

/** Only the facts the host actually reported: one it left out keeps its recorded value, as GitLab's heartbeat. */
function reported(facts: HostFacts): HostFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined && value !== null)) as HostFacts;
}

export interface Contact {
  /** The host's system_id; absent means GitLab's "<legacy>" manager. */
  systemId?: string | null;
  facts?: HostFacts;
  /**
   * Whether this contact counts as one. GitLab 16.x–17.x leaves contacted_at alone when a runner created by a user
   * (a `glrt-` token) verifies its token, so it stays "never contacted" until it asks for a job; newer releases
   * track a separate creation state instead. We follow the former, which is what the issue asks for.
   */
  updateContactedAt: boolean;
  at?: Date;
}

/**
 * Records a contact of a runner's host, as GitLab's `authenticate_runner!`: the runner's contacted_at (unless the
 * contact does not count), and the manager with the contact's system_id, created on its first contact (GitLab's
 * `ensure_manager` stamps contacted_at on the new row whatever the contact) and then given the reported facts.
 * Runs in the caller's transaction when given one. Bad facts are a ValidationFailed and nothing is written.
 */
export async function recordHostContact(db: Db, runnerId: number, contact: Contact): Promise<RunnerManager> {
  const systemXid = contact.systemId ?? LEGACY_SYSTEM_XID;
  const facts = reported(contact.facts ?? {});
  const invalid = factErrors(systemXid, facts);
  if (invalid.length) throw new ValidationFailed(invalid);
  const at = contact.at ?? new Date();
  if (contact.updateContactedAt) await touchRunner(db, runnerId, at);
  // A runner with a host has registered: GitLab's registration window (`registration_available?`) closes, and
  // the sealed copy of its token kept for its creator goes.
  await db.$executeRaw`UPDATE "Runner" SET "ephemeralTokenCiphertext" = NULL WHERE "id" = ${runnerId} AND "ephemeralTokenCiphertext" IS NOT NULL`;
  return db.runnerManager.upsert({
    where: { runnerId_systemXid: { runnerId, systemXid } },
    create: { runnerId, systemXid, ...facts, contactedAt: at },
    update: { ...facts, ...(contact.updateContactedAt ? { contactedAt: at } : {}) },
  });
}

/**
 * The runner's own contacted_at. GitLab writes it with update_columns, leaving updated_at alone: a heartbeat is
 * no change to the runner and must not defeat If-Unmodified-Since. Prisma would bump `updatedAt` on any update,
 * hence the SQL. Columns hold UTC without a time zone.
 */
async function touchRunner(db: Db, runnerId: number, at: Date): Promise<void> {
  await db.$executeRaw`UPDATE "Runner" SET "contactedAt" = (${at.toISOString()}::timestamptz AT TIME ZONE 'UTC') WHERE "id" = ${runnerId}`;
}

/** Whether any host has used the runner's token yet (GitLab's `runner_managers.any?`). */
export async function hasRunnerManager(db: Db, runnerId: number): Promise<boolean> {
  return (await db.runnerManager.findFirst({ where: { runnerId }, select: { id: true } })) !== null;
}

export type ManagerUnregistration = 'deleted' | 'not_found' | 'modified';

/**
 * GitLab's `DELETE /runners/managers` (UnregisterRunnerManagerService): deletes the runner's manager with that
 * system_id. `unmodifiedSince` is its `destroy_conditionally!`, checked against the manager's own updated_at.
 * When it was the runner's last host, the runner's contact is cleared (GitLab's `clear_heartbeat`), so the runner
 * no longer shows a contact no host can have made; like a heartbeat, that leaves the runner's updated_at alone.
 */
export async function unregisterRunnerManager(
  db: Client,
  runnerId: number,
  systemXid: string,
  unmodifiedSince?: Date | null,
): Promise<ManagerUnregistration> {
  return db.$transaction(async (tx) => {
    const manager = await tx.runnerManager.findUnique({
      where: { runnerId_systemXid: { runnerId, systemXid } },
      select: { id: true, updatedAt: true },
    });
    if (!manager) return 'not_found';
    if (unmodifiedSince && manager.updatedAt > unmodifiedSince) return 'modified';
    const { count } = await tx.runnerManager.deleteMany({
      where: { id: manager.id, ...(unmodifiedSince ? { updatedAt: { lte: unmodifiedSince } } : {}) },
    });
    // Gone or changed since the lookup: a concurrent request deleted it, or a contact changed it.
    if (count === 0) return unmodifiedSince ? 'modified' : 'not_found';
    if (!(await hasRunnerManager(tx, runnerId))) {
      await tx.$executeRaw`UPDATE "Runner" SET "contactedAt" = NULL WHERE "id" = ${runnerId}`;
    }
    return 'deleted';
  });
}
