// Finds a Chromium or Chrome for the browser tests, or installs Debian's `chromium` where the
// machine can do so without asking (root with apt-get). Rules:
// - CHROMIUM_PATH wins when set; a CHROMIUM_PATH that does not exist is an error, never ignored.
// - Then the usual places, in a fixed order (system packages first, then Google Chrome, then a
//   Playwright browser cache), so the same machine always picks the same browser.
// - Never downloads a browser build: the only install is the system's package manager.
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** True if `path` is an executable file. */
export function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function listDir(path) {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Playwright's `chromium-<revision>` folders of a cache, newest revision first. */
function revisions(names) {
  return names
    .filter((d) => /^chromium-\d+$/.test(d))
    .sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)));
}

/**
 * The places to look, in order, as `{ path, source }`.
 * @param {{ platform?: string, env?: Record<string, string | undefined>, home?: string, list?: (dir: string) => string[] }} [options]
 */
export function chromiumCandidates({ platform = process.platform, env = process.env, home = homedir(), list = listDir } = {}) {
  const found = [];
  const add = (path, source) => found.push({ path, source });
  const playwrightCaches = [
    env.PLAYWRIGHT_BROWSERS_PATH,
    platform === 'darwin' ? join(home, 'Library', 'Caches', 'ms-playwright') : join(home, '.cache', 'ms-playwright'),
  ].filter(Boolean);
  if (platform === 'darwin') {
    add('/Applications/Chromium.app/Contents/MacOS/Chromium', 'Chromium.app');
    add('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', 'Google Chrome.app');
    add(join(home, 'Applications', 'Chromium.app', 'Contents', 'MacOS', 'Chromium'), 'Chromium.app (user)');
    add(join(home, 'Applications', 'Google Chrome.app', 'Contents', 'MacOS', 'Google Chrome'), 'Google Chrome.app (user)');
    for (const cache of playwrightCaches) {
      for (const dir of revisions(list(cache))) {
        for (const sub of ['chrome-mac', 'chrome-mac-arm64', 'chrome-mac-x64']) {
          add(join(cache, dir, sub, 'Chromium.app', 'Contents', 'MacOS', 'Chromium'), 'Playwright cache');
          add(join(cache, dir, sub, 'Google Chrome for Testing.app', 'Contents', 'MacOS', 'Google Chrome for Testing'), 'Playwright cache');
        }
      }
    }
    return found;
  }
  add('/usr/bin/chromium', 'Debian package');
  add('/usr/bin/chromium-browser', 'Ubuntu/Fedora package');
  add('/snap/bin/chromium', 'snap');
  add('/usr/bin/google-chrome-stable', 'Google Chrome');
  add('/usr/bin/google-chrome', 'Google Chrome');
  add('/opt/google/chrome/chrome', 'Google Chrome');
  for (const cache of playwrightCaches) {
    for (const dir of revisions(list(cache))) {
      add(join(cache, dir, 'chrome-linux', 'chrome'), 'Playwright cache');
      add(join(cache, dir, 'chrome-linux64', 'chrome'), 'Playwright cache');
    }
  }
  return found;
}

/**
 * The browser to use, or undefined if none is installed.
 * @param {{ env?: Record<string, string | undefined>, platform?: string, home?: string, list?: (dir: string) => string[], executable?: (path: string) => boolean }} [options]
 * @returns {{ path: string, source: string } | undefined}
 * @throws Error if CHROMIUM_PATH is set but not an executable file.
 */
export function findChromium({ env = process.env, executable = isExecutable, ...rest } = {}) {
  if (env.CHROMIUM_PATH) {
    if (!executable(env.CHROMIUM_PATH)) {
      throw new Error(`CHROMIUM_PATH is set to ${env.CHROMIUM_PATH}, which is not an executable file`);
    }
    return { path: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  }
  return chromiumCandidates({ env, ...rest }).find((c) => executable(c.path));
}

/** The command a person runs to install a browser on this system. */
export function installHint({ platform = process.platform, executable = isExecutable } = {}) {
  if (platform === 'darwin') return 'brew install --cask chromium   (or install Google Chrome), or set CHROMIUM_PATH';
  if (executable('/usr/bin/apt-get')) return 'sudo apt-get install chromium   (or set CHROMIUM_PATH to a Chromium or Chrome)';
  if (executable('/usr/bin/dnf')) return 'sudo dnf install chromium   (or set CHROMIUM_PATH to a Chromium or Chrome)';
  if (executable('/usr/bin/pacman')) return 'sudo pacman -S chromium   (or set CHROMIUM_PATH to a Chromium or Chrome)';
  return 'install Chromium or Google Chrome with your system\'s package manager, or set CHROMIUM_PATH';
}

function run(command, args, say) {
  say(`running: ${command} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/**
 * Finds a browser, or installs Debian's `chromium` when running as root with apt-get.
 * @param {{ say: (message: string) => void }} options
 * @returns {Promise<string>} the executable's path
 * @throws Error with the command to run when no browser can be had.
 */
export async function ensureChromium({ say }) {
  const found = findChromium();
  if (found) {
    say(`browser tests use ${found.path} (${found.source})`);
    return found.path;
  }
  const canInstall = process.platform === 'linux' && process.getuid?.() === 0 && isExecutable('/usr/bin/apt-get');
  if (!canInstall) throw new Error(`no Chromium or Chrome found; install one: ${installHint()}`);
  say('no Chromium or Chrome found; installing Debian\'s chromium package with apt-get (a few minutes)');
  const started = Date.now();
  const ok = (await run('apt-get', ['update', '-qq'], say)) && (await run('apt-get', ['install', '-y', '-qq', 'chromium'], say));
  const again = findChromium();
  if (!ok || !again) throw new Error(`installing chromium with apt-get failed; install it by hand: ${installHint()}`);
  say(`installed ${again.path} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return again.path;
}
