import { externals, packageDir, ts } from '../../scripts/rollup-package.mjs';
import { join } from 'node:path';

const dir = packageDir('cli');
// Three entry points: the library (index), the command (main, loaded by bin/secure-sign.js) and
// the decryption worker, which main starts by URL, so it must stay a file of its own beside main.
export default [
  {
    input: {
      index: join(dir, 'src/index.ts'),
      main: join(dir, 'src/main.ts'),
      worker: join(dir, 'src/worker.ts'),
    },
    external: externals('cli'),
    plugins: [ts('cli')],
    output: { dir: join(dir, 'dist'), format: 'es', sourcemap: true },
  },
];
