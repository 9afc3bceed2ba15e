import type { Database, Db } from '../db/client.ts';
import type { Output } from './output.ts';

/** What every command runs against. */
export interface CliContext {
  readonly database: Database;
  readonly db: Db;
  readonly output: Output;
  /** Where the server answers, for the hints commands print. */
  readonly externalUrl: string;
  /** Migrations the entry point applied before running the command; unset when nothing migrated yet. */
  readonly migrated?: readonly string[];
}
