import { externals, packageDir, ts } from '../../scripts/rollup-package.mjs';
import { join } from 'node:path';

const dir = packageDir('collector');
export default [
  {
    // Two entries: the library (index) and the command (main), sharing chunks.
    input: { index: join(dir, 'src/index.ts'), main: join(dir, 'src/main.ts') },
    external: externals('collector'),
    plugins: [ts('collector')],
    output: { dir: join(dir, 'dist'), format: 'es', sourcemap: true },
  },
];
