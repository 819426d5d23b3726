// Builds this package once before the tests, which run the real bin/secure-sign.js against dist/.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export default function setup(): void {
  execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: root, stdio: 'inherit' });
  execFileSync('npx', ['rollup', '--silent', '-c', 'packages/cli/rollup.config.mjs'], { cwd: root, stdio: 'inherit' });
}
