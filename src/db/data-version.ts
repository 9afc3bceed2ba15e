import type { Db } from './client.ts';

/**
 * The version of everything an answer can show: it moves with every committed write (the `data_version` migration's
 * triggers) and every status change by time passing (the live sweeper), and never otherwise. Read before an answer
 * is computed, it is a version the answer is at least as new as.
 */
export async function currentDataVersion(db: Db): Promise<string> {
  const [row] = await db.$queryRaw<{ version: string | null }[]>`SELECT sum("version")::text AS "version" FROM "DataVersion"`;
  return row?.version ?? '0';
}
