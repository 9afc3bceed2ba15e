import { loadConfig } from '../config.ts';
import type { Database } from '../db/client.ts';
import { openDatabase } from '../db/open.ts';
import { describeError, failsWith, processOutput } from './output.ts';
import { runCli } from './program.ts';

// The entry point of `npm run cli`: everything else lives in program.ts, which tests run in-process.
async function main(): Promise<number> {
  const output = processOutput();
  let database: Database | null = null;
  try {
    const config = loadConfig();
    database = await failsWith('cannot open the database', openDatabase(config, `cli ${process.argv[2] ?? ''}`.trim()));
    const migrated = await failsWith('cannot migrate the database', database.migrate());
    return await runCli(process.argv.slice(2), database, output, {
      externalUrl: config.externalUrl ?? `http://localhost:${config.port}`,
      migrated,
    });
  } catch (error) {
    output.err(`error: ${describeError(error)}`);
    return 1;
  } finally {
    await database?.close().catch(() => {});
  }
}

process.exitCode = await main();
