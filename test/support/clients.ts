import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

/**
 * Real clients (python-gitlab, Chromium) come from the system, not from npm. On a developer's machine without one,
 * its tests are skipped with a message that says what to install; under CI (CI=true) a missing client is a failed
 * test, so that a broken install step can never pass as green.
 */
export function requireClient(name: string, available: boolean, install: string): boolean {
  if (available) return true;
  const message = `${name} is not installed: its tests cannot run. Install it with: ${install}`;
  if (process.env.CI === 'true') {
    it(`has ${name} installed (CI requires it)`, () => {
      throw new Error(message);
    });
  } else {
    console.warn(`\n!!! SKIPPED: ${message}\n`);
    it.skip(`${name} scenario (skipped: ${name} is not installed; ${install})`, () => {});
  }
  return false;
}

/** Whether a command runs and exits 0. */
export function runs(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}
