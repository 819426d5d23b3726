// `npm run demo` as a newcomer runs it (install and build skipped: npm test has just done both):
// it prints where to look, serves the page and the collector, stops cleanly on Ctrl-C, and a
// second run reuses the same campaign.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'secure-sign-demo-cmd-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function runDemoOnce(): Promise<{ stdout: string; stderr: string; page: string; collector: string; pageHtml: string; health: number; code: number | null }> {
  const child = spawn(process.execPath, ['scripts/demo.mjs'], {
    cwd: root,
    env: { ...process.env, SECURE_SIGN_SKIP_INSTALL: '1', DEMO_PORT: '0', DEMO_COLLECTOR_PORT: '0', DEMO_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('Press Ctrl-C to stop.')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`demo exited ${code}: ${stderr}`)));
  });
  const page = /Open letter \(partner 1\):\s+(\S+)/.exec(stdout)![1]!;
  const collector = /Collector:\s+(\S+)/.exec(stdout)![1]!;
  const pageHtml = await (await fetch(page)).text();
  const health = (await fetch(`${collector}/healthz`)).status;
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  return { stdout, stderr, page, collector, pageHtml, health, code };
}

const keyOf = (html: string) => /campaign-key="(sspk1[a-z2-7]+)"/.exec(html)?.[1];
let firstKey: string | undefined;

describe('npm run demo', () => {
  it('serves the letter with the widget and the collector, prints the CLI commands, stops on Ctrl-C', async () => {
    const run = await runDemoOnce();
    firstKey = keyOf(run.pageHtml);
    expect(run.pageHtml).toContain('<secure-sign');
    expect(run.pageHtml).toMatch(/campaign-key="sspk1[a-z2-7]{109}"/);
    expect(run.pageHtml).toContain(`collector="${run.collector}"`);
    expect(run.pageHtml).toMatch(/integrity="sha384-[A-Za-z0-9+/=]{64}"/);
    expect(run.health).toBe(200);
    expect(run.stdout).toContain('DEMO ONLY');
    expect(run.stdout).toMatch(/secure-sign\.js pull --collector \S+ --campaign open-letter/);
    expect(run.stdout).toMatch(/secure-sign\.js decrypt --key \S+campaign\.key/);
    expect(run.stderr).toContain('stopped.');
    expect(run.code).toBe(0);
  });

  it('reuses the same campaign key on a second run', async () => {
    const run = await runDemoOnce();
    expect(run.stderr).toContain('reusing the demo campaign key');
    expect(firstKey).toBeDefined();
    expect(keyOf(run.pageHtml)).toBe(firstKey);
    expect(run.code).toBe(0);
  });
});
