// A small static server for the example partner pages. It fills the snippet placeholders
// (%CAMPAIGN%, %CAMPAIGN_KEY%, %COLLECTOR_URL%, %LOG_KEY%, %IMPORT_MAP%, %WIDGET_URL%,
// %WIDGET_INTEGRITY%) with what `secure-sign snippet` prints for a partner who serves the widget's
// files under /widget/, and sends a strict Content Security Policy so the demo proves the widget
// works under one, with every module it loads pinned by the import map.
import { snippet } from '@secure-sign/cli';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip as gzipCallback } from 'node:zlib';

const here = fileURLToPath(new URL('.', import.meta.url));
const builtDist = fileURLToPath(new URL('../packages/widget/dist/', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The Content-Security-Policy the example pages are served with: exactly docs/embedding.md's strict
 * policy, plus the pages' own stylesheets and images (no 'unsafe-inline' anywhere).
 */
export function contentSecurityPolicy(collectorUrl, importMapHash) {
  const collector = new URL(collectorUrl).origin;
  return [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval'${importMapHash ? ` ${importMapHash}` : ''}`,
    // The proof-of-work worker starts from a blob: URL of its code, a module the import map pins.
    'worker-src blob:',
    `connect-src 'self' ${collector}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sub-resource integrity value of a file: what `secure-sign snippet` prints for the widget. */
export async function integrityOf(path) {
  return `sha384-${createHash('sha384').update(await readFile(path)).digest('base64')}`;
}

// The widget's chunks carry a content hash in their names (ss-lazy-<hash>.js, ss-log-count-<hash>.js):
// they never change, so browsers may keep them a year. secure-sign.js keeps its name across versions.
const HASHED = /^ss-[a-z]+(?:-[a-z]+)*-[\w-]{8}\.js$/;
const COMPRESSIBLE = /^(text\/|application\/(json|wasm))/;

/** The encoding a request's Accept-Encoding allows, brotli first; undefined for none. */
function chooseEncoding(acceptEncoding) {
  const accepts = (name) => new RegExp(`(^|[\\s,])${name}(?!;q=0(\\.0+)?(\\s|,|$))`).test(acceptEncoding ?? '');
  return accepts('br') ? 'br' : accepts('gzip') ? 'gzip' : undefined;
}

const brotli = promisify(brotliCompress);
const gzip = promisify(gzipCallback);

// Compressed bodies, shared by every server of this process, keyed by file, size, modification
// time and encoding. Compressing happens in libuv's thread pool (the async zlib calls), and
// brotli's best quality takes about a second for the crypto chunk: a server compresses the files
// the snippet lists in the background as it starts, so that no visitor's request waits for it.
const compressed = new Map();

/** The body compressed with `encoding` ('br' or 'gzip'), computed once per file version. */
function compressedBody(file, info, body, encoding) {
  const key = `${file}|${info.size}|${info.mtimeMs}|${encoding}`;
  let packed = compressed.get(key);
  if (!packed) {
    packed = encoding === 'br' ? brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }) : gzip(body, { level: 9 });
    // A failure is not kept: the next request tries again.
    packed.catch(() => compressed.delete(key));
    compressed.set(key, packed);
  }
  return packed;
}

/** Starts compressing `names` of `dist` in the background (both encodings); errors are ignored. */
function precompress(dist, names) {
  for (const name of names) {
    const file = join(dist, name);
    Promise.all([stat(file), readFile(file)])
      .then(([info, body]) => Promise.all(['br', 'gzip'].map((encoding) => compressedBody(file, info, body, encoding))))
      .catch(() => undefined);
  }
}

function resolveInside(root, urlPath) {
  const decoded = decodeURIComponent(urlPath);
  if (decoded.includes('\0')) return undefined;
  const full = normalize(join(root, decoded));
  return full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : undefined;
}

/**
 * Starts the example server.
 * @param {{ host?: string, port?: number, campaign: string, campaignKey: string, collectorUrl: string, logKey?: string, dist?: string }} options
 *   `dist`: the widget build to serve under /widget/ (default packages/widget/dist/; the phone
 *   trace serves an unminified copy to see which line costs what).
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startExampleServer({ host = '127.0.0.1', port = 0, campaign, campaignKey, collectorUrl, logKey = '', dist = builtDist }) {
  const widgetDist = dist.endsWith(sep) ? dist : dist + sep;
  const widgetIntegrity = await integrityOf(join(widgetDist, 'secure-sign.js'));
  const values = {
    '%CAMPAIGN%': campaign,
    '%CAMPAIGN_KEY%': campaignKey,
    '%COLLECTOR_URL%': collectorUrl,
    '%WIDGET_URL%': '/widget/secure-sign.js',
    '%WIDGET_INTEGRITY%': widgetIntegrity,
    '%LOG_KEY%': logKey,
    // Filled in once the server listens: the import map names the widget's files by full URL.
    '%IMPORT_MAP%': '',
  };
  let csp = contentSecurityPolicy(collectorUrl);

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (url.pathname === '/') {
        response.writeHead(302, { Location: '/open-letter/' }).end();
        return;
      }
      const [root, rest] = url.pathname.startsWith('/widget/')
        ? [widgetDist, url.pathname.slice('/widget/'.length)]
        : [here, url.pathname.slice(1)];
      let file = resolveInside(root, rest);
      let info = file && (await stat(file).catch(() => undefined));
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => undefined);
      }
      const body = info && (await readFile(file).catch(() => undefined));
      if (!body || file.endsWith('.mjs') || file.includes(`${sep}test${sep}`)) {
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
        return;
      }
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      let content = body;
      if (type.startsWith('text/html')) {
        content = body.toString('utf8').replace(/%[A-Z_]+%/g, (name) => values[name] ?? name);
      }
      const headers = {
        'Content-Type': type,
        'Content-Security-Policy': csp,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      };
      // The widget's files as a careful static host serves them: compressed by Accept-Encoding,
      // and hashed names cached for a year (docs/embedding.md, "Serving dist/ yourself").
      if (root === widgetDist && COMPRESSIBLE.test(type)) {
        const name = rest.split('/').pop();
        const encoding = chooseEncoding(request.headers['accept-encoding']);
        if (encoding) {
          content = await compressedBody(file, info, body, encoding);
          headers['Content-Encoding'] = encoding;
        }
        headers['Vary'] = 'Accept-Encoding';
        headers['Cache-Control'] = HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache';
      }
      response.writeHead(200, headers);
      response.end(request.method === 'HEAD' ? undefined : content);
    } catch {
      response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Bad request\n');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${host}:${address.port}`;
  try {
    const printed = await snippet({ campaign, publicKey: campaignKey, collector: collectorUrl, baseUrl: new URL('/widget/', url), dist: widgetDist });
    values['%IMPORT_MAP%'] = printed.html.split('\n')[0];
    csp = contentSecurityPolicy(collectorUrl, printed.importMapHash);
    precompress(widgetDist, printed.files.map((file) => file.name));
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    url,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
