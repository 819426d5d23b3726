// One rollup run builds every package. Each package describes its own outputs in
// packages/<name>/rollup.config.mjs (a default export: an array of rollup options);
// this file only gathers them, so packages never edit each other's build.
import { readdirSync, existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const order = ['crypto', 'collector', 'cli', 'widget'];
const dirs = readdirSync('packages').sort((a, b) => order.indexOf(a) - order.indexOf(b));
const configs = [];
for (const dir of dirs) {
  const file = join('packages', dir, 'rollup.config.mjs');
  if (existsSync(file)) configs.push(...(await import(pathToFileURL(file).href)).default);
}
export default configs;
