// The set-up logic of `npm test`, independent of what this machine has installed: browser
// discovery runs against fake file systems; the throwaway PostgreSQL is really started and stopped.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES modules without type declarations
import { chromiumCandidates, findChromium, installHint } from '../setup/chromium.mjs';
// @ts-expect-error plain ES modules without type declarations
import { builtForAbi, rebuildEnv } from '../setup/native.mjs';
// @ts-expect-error plain ES modules without type declarations
import { freePort, probePostgres, startEmbeddedPostgres, unprivilegedUser } from '../setup/postgres.mjs';

type Candidate = { path: string; source: string };
const none = () => [] as string[];

describe('browser discovery', () => {
  it('looks in system packages, then Google Chrome, then the Playwright cache, on Linux', () => {
    const list = (dir: string) => (dir === '/home/u/.cache/ms-playwright' ? ['chromium-1100', 'chromium-1200', 'ffmpeg-1010'] : []);
    const paths = (chromiumCandidates({ platform: 'linux', env: {}, home: '/home/u', list }) as Candidate[]).map((c) => c.path);
    expect(paths).toEqual([
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/snap/bin/chromium',
      '/usr/bin/google-chrome-stable',
      '/usr/bin/google-chrome',
      '/opt/google/chrome/chrome',
      '/home/u/.cache/ms-playwright/chromium-1200/chrome-linux/chrome',
      '/home/u/.cache/ms-playwright/chromium-1200/chrome-linux64/chrome',
      '/home/u/.cache/ms-playwright/chromium-1100/chrome-linux/chrome',
      '/home/u/.cache/ms-playwright/chromium-1100/chrome-linux64/chrome',
    ]);
  });

  it('knows the macOS application paths and honours PLAYWRIGHT_BROWSERS_PATH', () => {
    const list = (dir: string) => (dir === '/pw' ? ['chromium-1300'] : []);
    const paths = (chromiumCandidates({ platform: 'darwin', env: { PLAYWRIGHT_BROWSERS_PATH: '/pw' }, home: '/Users/u', list }) as Candidate[]).map((c) => c.path);
    expect(paths[0]).toBe('/Applications/Chromium.app/Contents/MacOS/Chromium');
    expect(paths[1]).toBe('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
    expect(paths).toContain('/pw/chromium-1300/chrome-mac/Chromium.app/Contents/MacOS/Chromium');
  });

  it('uses CHROMIUM_PATH first, and refuses one that is not there', () => {
    const executable = (p: string) => p === '/opt/my/chrome' || p === '/usr/bin/chromium';
    expect(findChromium({ env: { CHROMIUM_PATH: '/opt/my/chrome' }, platform: 'linux', home: '/h', list: none, executable })).toEqual({
      path: '/opt/my/chrome',
      source: 'CHROMIUM_PATH',
    });
    expect(() => findChromium({ env: { CHROMIUM_PATH: '/nowhere/chrome' }, platform: 'linux', home: '/h', list: none, executable })).toThrow(
      /CHROMIUM_PATH is set to \/nowhere\/chrome, which is not an executable file/,
    );
  });

  it('picks the first installed candidate, and reports none when nothing is installed', () => {
    const chrome = (p: string) => p === '/usr/bin/google-chrome' || p === '/opt/google/chrome/chrome';
    expect(findChromium({ env: {}, platform: 'linux', home: '/h', list: none, executable: chrome })).toEqual({
      path: '/usr/bin/google-chrome',
      source: 'Google Chrome',
    });
    expect(findChromium({ env: {}, platform: 'linux', home: '/h', list: none, executable: () => false })).toBeUndefined();
  });

  it('names the install command of the system', () => {
    expect(installHint({ platform: 'linux', executable: (p: string) => p === '/usr/bin/apt-get' })).toMatch(/^sudo apt-get install chromium/);
    expect(installHint({ platform: 'linux', executable: (p: string) => p === '/usr/bin/dnf' })).toMatch(/^sudo dnf install chromium/);
    expect(installHint({ platform: 'darwin', executable: () => false })).toMatch(/^brew install --cask chromium/);
  });
});

describe('native modules', () => {
  it('recognises a module built for another Node from the loader\'s message', () => {
    const message =
      "Error: The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127. Please try re-compiling";
    expect(builtForAbi(message)).toEqual({ built: 115, needed: 127 });
    expect(builtForAbi('Error: Cannot find module better-sqlite3')).toBeUndefined();
  });

  it('rebuilds with the running Node first on the PATH and its own headers', () => {
    const env = rebuildEnv('/opt/node22/bin/node', { PATH: '/usr/bin' }) as Record<string, string>;
    expect(env['PATH']!.split(':')[0]).toBe('/opt/node22/bin');
    expect(env['npm_config_nodedir']).toBeUndefined(); // no /opt/node22/include/node/node.h here
  });
});

describe('PostgreSQL for the tests', () => {
  it('runs PostgreSQL as an unprivileged user when root', () => {
    expect(unprivilegedUser({ uid: 1000 })).toEqual({});
    const lookup = (name: string) => (name === 'nobody' ? { uid: 65534, gid: 65534 } : undefined);
    expect(unprivilegedUser({ uid: 0, lookup })).toEqual({ name: 'nobody', uid: 65534, gid: 65534 });
    expect(() => unprivilegedUser({ uid: 0, lookup: () => undefined })).toThrow(/neither a "postgres" nor a "nobody" user/);
  });

  it('tells "no server there" from a server that answers', async () => {
    const port = await freePort();
    const probe = await probePostgres(`postgres://postgres@127.0.0.1:${port}/test`, { timeoutMs: 2000 });
    expect(probe).toMatchObject({ ok: false, noServer: true });
  });

  it('starts a throwaway PostgreSQL, and stop() leaves no process and no folder', async () => {
    const server = await startEmbeddedPostgres();
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test$/);
      expect(await probePostgres(server.url)).toEqual({ ok: true });
      expect(existsSync(server.dir)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
    expect(() => process.kill(server.pid, 0)).toThrow(/ESRCH/);
    expect(await probePostgres(server.url, { timeoutMs: 1000 })).toMatchObject({ ok: false, noServer: true });
  });
});
