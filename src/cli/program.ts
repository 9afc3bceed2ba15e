import { Command, CommanderError } from 'commander';
import type { Database } from '../db/client.ts';
import { registerAccountCommands } from './accounts.ts';
import type { CliContext } from './context.ts';
import { registerDemoCommand } from './demo/index.ts';
import { registerNamespaceCommands } from './namespaces.ts';
import { describeError, type Output } from './output.ts';

export interface CliOptions {
  /** Where the server answers, for the hints commands print. */
  readonly externalUrl?: string;
  /** Migrations the entry point already applied, for `migrate` to report. */
  readonly migrated?: readonly string[];
}

/** The command tree; it never exits the process, so tests run it in-process. */
export function buildProgram(ctx: CliContext): Command {
  // Named after how it is started, so usage lines can be pasted as they are.
  const program = new Command('npm run cli --')
    .description('Administer a Runners Gateway database: migrations, users, tokens, namespaces, demo data')
    // Set before the commands are added: subcommands copy these settings.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.output.out(text),
      writeErr: (text) => ctx.output.err(text),
    })
    .showSuggestionAfterError();

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      const applied = ctx.migrated ?? (await ctx.database.migrate());
      ctx.output.out(
        applied.length ? applied.map((name) => `Applied ${name}`).join('\n') : 'No pending migrations: the database is up to date',
      );
    });

  registerAccountCommands(program, ctx);
  registerNamespaceCommands(program, ctx);
  registerDemoCommand(program, ctx);
  return program;
}

/**
 * Runs one command line (without the node and script arguments) and returns the exit code: 0 on success,
 * 1 on failure with a one-line message on stderr. Usage errors are reported by commander itself.
 */
export async function runCli(argv: readonly string[], database: Database, output: Output, options: CliOptions = {}): Promise<number> {
  const program = buildProgram({
    database,
    db: database.prisma,
    output,
    externalUrl: options.externalUrl ?? 'http://localhost:4000',
    ...(options.migrated ? { migrated: options.migrated } : {}),
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its message (or the help, whose exit code is 0).
    if (error instanceof CommanderError) return error.exitCode;
    output.err(`error: ${describeError(error)}`);
    return 1;
  }
}
