import { externals, packageDir, ts } from '../../scripts/rollup-package.mjs';
import { join } from 'node:path';

const dir = packageDir('crypto');
export default [
  {
    input: join(dir, 'src/index.ts'),
    external: externals('crypto'),
    plugins: [ts('crypto')],
    output: { dir: join(dir, 'dist'), format: 'es', sourcemap: true },
  },
];
