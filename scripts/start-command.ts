// `npm start`'s command line, read from package.json, for what runs the server as a process of its own (the
// benchmark, the tests that start servers): the steps before the last `&&` (the build) run as npm runs them, and the
// server is `node <flags> <script>`, spawned directly (not through npm) so that the child's pid is the server's.
import { exec } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface StartCommand {
  /** Shell commands run first, in order (npm puts node_modules/.bin on their PATH). */
  readonly steps: readonly string[];
  readonly flags: readonly string[];
  /** The server's entry module, relative to the project's folder. */
  readonly script: string;
}

export function startCommand(): StartCommand {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const commands = (scripts?.start ?? '').split('&&').map((command) => command.trim());
  const words = commands.at(-1)?.split(/\s+/) ?? [];
  const script = words.at(-1);
  if (words[0] !== 'node' || !script) throw new Error(`npm start is expected to end in \`node <flags> <script>\`: ${scripts?.start}`);
  return { steps: commands.slice(0, -1), flags: words.slice(1, -1), script };
}

let built: Promise<void> | undefined;

/**
 * `npm start`'s server command (`node <flags> <script>`), once the steps it runs first (the build of dist/server/)
 * have run — once per process, however many servers it starts: what production starts, spawned directly.
 */
export async function builtServerCommand(): Promise<{ readonly flags: readonly string[]; readonly script: string }> {
  const { steps, flags, script } = startCommand();
  built ??= runStartSteps(steps);
  await built;
  return { flags, script };
}

/** Runs the steps `npm start` runs before the server (it builds dist/server/); their output is the caller's. */
export async function runStartSteps(steps: readonly string[]): Promise<void> {
  const env = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` };
  for (const step of steps) {
    const { stderr } = await promisify(exec)(step, { cwd: ROOT, env });
    if (stderr) process.stderr.write(stderr);
  }
}
