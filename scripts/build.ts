// Compiles the server (src/, the generated Prisma client included) into dist/server/, one JavaScript module per
// TypeScript module, so that `npm start` runs plain `node`: no TypeScript loader (and its thread and V8 heap) in the
// server process. `npm start` runs it first; it writes only what changed, so a second run costs one esbuild pass.
// Source maps are written beside each module: `node --enable-source-maps` names the .ts lines in stack traces.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'src');
export const SERVER_BUILD = join(ROOT, 'dist', 'server');

function typeScriptModules(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return typeScriptModules(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Each module is its own entry point and every import stays an import: packages as they are (Node resolves them as
 * under tsx, so graphql's CommonJS copy is the one everything shares), and `./x.ts` as `./x.js`, the module compiled
 * beside it. Nothing is bundled, so import.meta.url keeps each module's place relative to the others.
 */
const relativeImportsStayImports: Plugin = {
  name: 'relative-imports-stay-imports',
  setup(context) {
    context.onResolve({ filter: /^\.\.?\// }, ({ path, kind }) => {
      if (kind === 'entry-point') return undefined;
      if (!path.endsWith('.ts')) throw new Error(`${path}: only TypeScript modules are imported relatively in src/`);
      return { path: `${path.slice(0, -'.ts'.length)}.js`, external: true };
    });
  },
};

/** Writes through a temporary file and a rename: a server starting meanwhile reads the old module or the new one. */
function writeIfChanged(path: string, contents: Uint8Array): boolean {
  try {
    if (Buffer.from(contents).equals(readFileSync(path))) return false;
  } catch {
    // not there yet
  }
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
  return true;
}

function filesBelow(folder: string): string[] {
  try {
    if (!statSync(folder).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Compiles src/ into dist/server/; returns how many files it wrote and removed (modules no longer in src/). */
export async function buildServer(): Promise<{ written: number; removed: number }> {
  const result = await build({
    entryPoints: typeScriptModules(SOURCE),
    outbase: SOURCE,
    outdir: SERVER_BUILD,
    bundle: true,
    plugins: [relativeImportsStayImports],
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // The maps name ../../src/…, which is there beside the build; copying the sources into them would only add memory.
    sourcesContent: false,
    write: false,
    logLevel: 'warning',
  });
  const outputs = new Set(result.outputFiles.map((file) => file.path));
  let written = 0;
  for (const file of result.outputFiles) if (writeIfChanged(file.path, file.contents)) written++;
  let removed = 0;
  for (const path of filesBelow(SERVER_BUILD)) {
    if (outputs.has(path) || path.endsWith('.tmp')) continue;
    rmSync(path, { force: true });
    removed++;
  }
  return { written, removed };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { written, removed } = await buildServer();
  if (written || removed) {
    process.stderr.write(`${relative(ROOT, SERVER_BUILD)}: ${written} file(s) written, ${removed} removed\n`);
  }
}
