import { externals, packageDir, ts } from '../../scripts/rollup-package.mjs';
import { join } from 'node:path';

const dir = packageDir('crypto');
export default [
  {
    // Three entry points: the full API; `key-string`, which must never pull in libsodium or zod;
    // and `log`, the transparency-log core (RFC 6962 trees, C2SP checkpoints and signed notes).
    // One output file per source module, so that a bundler using this package can place each
    // module in the chunk that needs it (the widget keeps libsodium out of its first load).
    input: [join(dir, 'src/index.ts'), join(dir, 'src/key-string-entry.ts'), join(dir, 'src/log/index.ts')],
    external: externals('crypto'),
    plugins: [ts('crypto')],
    output: {
      dir: join(dir, 'dist'),
      format: 'es',
      sourcemap: true,
      preserveModules: true,
      preserveModulesRoot: join(dir, 'src'),
    },
  },
];
