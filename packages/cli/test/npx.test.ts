// `npx secure-sign` at the repository root (docs/cli.md shows it): the root package lists the CLI
// as a workspace devDependency, so npm's own npx finds its bin in node_modules/.bin. `--no-install` stops
// npx from ever asking the registry for a package of that name when the local bin is missing.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baseEnv } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function npx(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'secure-sign', ...args], { cwd: ROOT, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npx secure-sign at the repository root', () => {
  it('runs this workspace\'s CLI', async () => {
    const version = await npx(['--version']);
    expect(version.stderr).toBe('');
    expect(version.code).toBe(0);
    expect(version.stdout).toBe('0.1.0\n');
    const help = await npx(['snippet', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: secure-sign snippet /);
  });
});
