// Helpers shared by the packages' rollup configs: TypeScript through @rollup/plugin-typescript
// (declarations come from `tsc -b`, so rollup emits JavaScript only), and every dependency
// plus Node's built-ins kept external for the Node-facing builds.
import typescript from '@rollup/plugin-typescript';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Path of a package's folder, from its short name (`crypto`, `cli`, ...). */
export function packageDir(name) {
  return join(root, 'packages', name);
}

/** @rollup/plugin-typescript set up to emit JavaScript only for one package. */
export function ts(name, overrides = {}) {
  const dir = packageDir(name);
  return typescript({
    tsconfig: join(dir, 'tsconfig.json'),
    include: [join(dir, 'src', '**', '*.ts')],
    compilerOptions: {
      composite: false,
      declaration: false,
      declarationMap: false,
      emitDeclarationOnly: false,
      incremental: false,
      noEmit: false,
      outDir: join(dir, 'dist'),
      sourceMap: true,
      ...overrides,
    },
    outputToFilesystem: true,
  });
}

/** A rollup `external` function: every dependency of the package and every Node built-in. */
export function externals(name) {
  const pkg = JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8'));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  return (id) => builtins.has(id) || deps.some((d) => id === d || id.startsWith(`${d}/`));
}
