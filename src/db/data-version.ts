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

/** The payload every bump of the version notifies on the live channel (the `data_version_notify` migration). */
export const DATA_VERSION_CHANGED = '{"kind":"version"}';

/**
 * The data version as this process last read it, for ETags that need not be exact. An ETag must name a version its
 * answer is at least as new as, and the version only grows, so any version read earlier will do; the closer to the
 * current one, the likelier the client's next conditional request is a 304. The last one read is kept while this
 * process hears every bump (`listening`, from the live hub, which forgets it on each `changed()`), and is then
 * exactly the current one but for a notification still on its way.
 *
 * Whether to answer 304 is never decided on it: a write acknowledged by another replica a moment ago may not have
 * been heard yet, so `If-None-Match` is always compared with a version read for the request (`current`).
 */
export class DataVersions {
  private known: string | null = null;
  private generation = 0;
  private heard = false;
  /** The read that requests asking now will share, not yet sent. */
  private upcoming: Promise<string> | null = null;

  constructor(private readonly db: Db) {}

  /** Whether bumps are heard right now; while they are not, every version is read. */
  listening(heard: boolean): void {
    this.heard = heard;
    this.changed();
  }

  /** A bump was heard (or may have been missed): the next version is read. */
  changed(): void {
    this.known = null;
    this.generation += 1;
  }

  /**
   * The version now, read from the database (and kept, unless a bump was heard while it was read). Everyone who asks
   * within one turn of the event loop shares one read, sent at the end of that turn: it is sent after each of them
   * asked, so it is as current for each as a read of its own (pollers arrive by the dozen under load).
   */
  current(): Promise<string> {
    this.upcoming ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.upcoming = null;
      return this.read();
    });
    return this.upcoming;
  }

  private async read(): Promise<string> {
    const generation = this.generation;
    const version = await currentDataVersion(this.db);
    if (this.heard && generation === this.generation) this.known = version;
    return version;
  }

  /** A version no newer than the data now: the one kept, else one read. */
  async atMostCurrent(): Promise<string> {
    return (this.heard ? this.known : null) ?? this.current();
  }
}
