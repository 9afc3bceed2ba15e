import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildServer, SERVER_BUILD } from '../scripts/build.ts';
import { startCommand } from '../scripts/start-command.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function modulesBelow(folder: string, extension: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension) && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).slice(0, -extension.length))
    .sort();
}

describe('the server build (npm start runs it first)', () => {
  it('npm start builds, then runs the build with plain node: no TypeScript loader in the server process', () => {
    const { steps, flags, script } = startCommand();
    expect(steps).toEqual(['tsx scripts/build.ts']);
    expect(script).toBe('dist/server/main.js');
    expect(flags).not.toContain('tsx');
    expect(flags).toContain('--enable-source-maps');
  });

  it('compiles every module of src/ (the generated Prisma client too), and a second build writes nothing', {
    timeout: 60_000,
  }, async () => {
    const stray = join(SERVER_BUILD, 'removed-module.js');
    await buildServer();
    writeFileSync(stray, 'export {};\n');
    const again = await buildServer();
    expect(again.written).toBe(0);
    expect(existsSync(stray), 'a module no longer in src/ is removed from the build').toBe(false);
    expect(modulesBelow(SERVER_BUILD, '.js')).toEqual(modulesBelow(join(ROOT, 'src'), '.ts'));
    expect(modulesBelow(SERVER_BUILD, '.js')).toContain('db/generated/client');
  });

  it('names the TypeScript module and line in a stack trace of the built server', { timeout: 60_000 }, async () => {
    await buildServer();
    const { flags } = startCommand();
    const program = `import { loadConfig } from './dist/server/config.js'; try { loadConfig({ PORT: 'x' }); } catch (error) { console.log(error.stack); }`;
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--input-type=module', '-e', program], { cwd: ROOT });
    expect(stdout).toContain('PORT must be');
    expect(stdout).toMatch(/src\/config\.ts:\d+:\d+/);
  });
});
