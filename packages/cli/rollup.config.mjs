import { externals, packageDir, ts } from '../../scripts/rollup-package.mjs';
import { join } from 'node:path';

const dir = packageDir('cli');
// Entry points: the library (index), the command (main, loaded by bin/secure-sign.js), and the
// two workers (decryption, Argon2id), which are started by URL, so each stays a file beside main.
export default [
  {
    input: {
      index: join(dir, 'src/index.ts'),
      main: join(dir, 'src/main.ts'),
      worker: join(dir, 'src/worker.ts'),
      'kdf-worker': join(dir, 'src/kdf-worker.ts'),
    },
    external: externals('cli'),
    plugins: [ts('cli')],
    output: { dir: join(dir, 'dist'), format: 'es', sourcemap: true },
  },
];
