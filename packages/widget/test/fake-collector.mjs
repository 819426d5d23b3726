// A collector for the widget's browser tests, mounted as @web/test-runner dev-server middleware at
// /fake-collector. It follows docs/api.md for what the widget uses (campaign facts, ALTCHA v2
// challenges made and verified with altcha-lib, idempotent submissions, published files) and logs
// every request body it receives so tests can check that none contains plaintext.
//
// Tests drive it through /fake-collector/__control (JSON): set up a campaign, make it fail, read the
// log. It also serves /fake-collector/__page, a partner page with the strict CSP of
// docs/embedding.md that loads the built CDN bundle with its SRI hash.
import { createChallenge, verifySolution } from 'altcha-lib';
import { createHash, generateKeyPairSync, randomBytes, sign as edSign } from 'node:crypto';
import { Readable } from 'node:stream';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const widgetDir = dirname(dirname(fileURLToPath(import.meta.url)));
const SECRET = 'fake-collector-test-secret';
const PREFIX = '/fake-collector';

/**
 * The strict CSP of docs/embedding.md, with the collector on this origin and the bundle either on
 * this origin too or on a CDN origin; `worker-src blob:` either way (the widget starts its worker
 * from a blob: URL of its pinned code). `worker-src 'none'` (and the former advice `'self'`) check
 * the main-thread fallback of the proof of work.
 */
export function strictCsp({ cdn, worker, wasm = true }) {
  return [
    "default-src 'none'",
    `script-src ${cdn ?? "'self'"}${wasm ? " 'wasm-unsafe-eval'" : ''}`,
    `worker-src ${worker}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

const campaigns = new Map();

// ---- the campaign's transparency log (docs/api.md "The log", docs/log.md), written here from the
// specs with node:crypto alone, so that the widget's verification is checked against an
// independent implementation: RFC 6962 hashing, C2SP signed notes and checkpoints with the
// `count` extension line, and the signed promise of the receipt.
const LOG_NAME = 'fake-collector.test';
const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
/** The log key (one per collector, as the real one) and a second one, for checkpoints signed by another key. */
const logKeys = [generateKeyPairSync('ed25519'), generateKeyPairSync('ed25519')].map(({ privateKey, publicKey }) => ({
  privateKey,
  raw: publicKey.export({ format: 'der', type: 'spki' }).subarray(-32),
}));
const keyId = (name, raw) => sha256(Buffer.from(`${name}\n`), Buffer.from([0x01]), raw).subarray(0, 4);
/** The C2SP verifier key of a campaign's log: `<origin>+<hex key id>+<base64(0x01 || key)>`. */
export const logVkey = (origin, key = logKeys[0]) => `${origin}+${keyId(origin, key.raw).toString('hex')}+${Buffer.concat([Buffer.from([1]), key.raw]).toString('base64')}`;
function signNote(text, origin, key = logKeys[0]) {
  const signature = edSign(null, Buffer.from(text), key.privateKey);
  return `${text}\n\u2014 ${origin} ${Buffer.concat([keyId(origin, key.raw), signature]).toString('base64')}\n`;
}
function merkleRoot(leaves) {
  if (leaves.length === 0) return sha256(Buffer.alloc(0));
  if (leaves.length === 1) return sha256(Buffer.from([0]), leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}
/**
 * The count and confirmed count of a log's entries (docs/format.md §8.3): 01 stored, 02/03
 * withdrawn or removed, 04 confirmed, 05 disowned (the fake writes only consistent logs).
 */
function tally(entries) {
  const live = new Map();
  for (const e of entries) {
    const sid = e.subarray(1, 17).toString('hex');
    if (e[0] === 1) live.set(sid, false);
    else if (e[0] === 4) live.set(sid, true);
    else live.delete(sid);
  }
  return { count: live.size, confirmed: [...live.values()].filter(Boolean).length };
}
/**
 * The campaign's latest checkpoint: its entries, the `count` and `confirmed` lines, signed as the
 * setup asks ('no-confirmed': without the confirmed line, as an older collector wrote).
 */
function checkpoint(c) {
  const { count, confirmed } = tally(c.entries);
  let text = `${c.origin}\n${c.entries.length}\n${merkleRoot(c.entries).toString('base64')}\ncount ${count}\n`;
  if (c.checkpoint !== 'no-confirmed') text += `confirmed ${confirmed}\n`;
  if (c.checkpoint === 'wrong-key') return signNote(text, c.origin, logKeys[1]);
  const note = signNote(text, c.origin);
  // 'tampered': the count line raised after signing (a collector that lies about its count);
  // 'tampered-confirmed': the confirmed line raised after signing.
  if (c.checkpoint === 'tampered-confirmed') return note.replace(`confirmed ${confirmed}\n`, `confirmed ${confirmed + 1}\n`);
  return c.checkpoint === 'tampered' ? note.replace(`count ${count}\n`, `count ${count + 1000}\n`) : note;
}
/**
 * 50 MB of blanks, streamed at about 16 MB/s (64 KiB every 4 ms, so the whole answer takes some
 * 3 s); counts what was produced, which stops when the client drops the answer.
 */
function huge(c) {
  c.hugeSent = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  return Readable.from(
    (async function* () {
      while (c.hugeSent < 50 * 1024 * 1024) {
        c.hugeSent += chunk.length;
        yield chunk;
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
    })(),
  );
}
/** While true (control op 'network'), the collector and the widget's lazy chunk answer 503: a dropped connection. */
let networkDown = false;

function problem(ctx, status, code) {
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = JSON.stringify({ type: `https://secure-sign.org/problems/${code}`, title: code, status, code });
}

async function readBody(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function fakeCollector() {
  return async (ctx, next) => {
    if (networkDown && /^\/packages\/widget\/src\/(lazy|messages)\.ts$/.test(ctx.path)) {
      ctx.status = 503;
      return;
    }
    if (!ctx.path.startsWith(PREFIX)) return next();
    const path = ctx.path.slice(PREFIX.length);
    ctx.set('cache-control', 'no-store');

    if (path === '/__control' && ctx.method === 'POST') {
      const command = JSON.parse(await readBody(ctx));
      if (command.op === 'setup') {
        campaigns.set(command.campaign, {
          kid: command.kid,
          count: command.count ?? 0,
          goal: command.goal ?? null,
          open: command.open ?? true,
          // Origins registered for the campaign (the real collector's --origin); null: any origin.
          origins: command.origins ?? null,
          // An older collector: the campaign answer has neither keyId nor originAllowed.
          legacy: command.legacy ?? false,
          wall: command.wall ?? null,
          // 'offline': every submission answers 503; 'closed-on-submit': 403 campaign-closed;
          // 'files-down': published files (the wall) answer 503.
          failure: null,
          stored: new Map(),
          log: [],
          challenges: 0,
          // The transparency log: its origin, its 49-byte entries (`logEntries` earlier ones made up).
          origin: `${LOG_NAME}/${command.campaign}`,
          entries: Array.from({ length: command.logEntries ?? 0 }, () => Buffer.concat([Buffer.from([1]), randomBytes(48)])),
          // Confirmed signatures (issue 16): the number the campaign answer states, and whether it
          // shows them ('confirmed') rather than all ('all', the default).
          confirmed: command.confirmed ?? 0,
          countShown: command.countShown ?? 'all',
          // 'ok', 'tampered', 'tampered-confirmed', 'no-confirmed', 'wrong-key', or 'none' (404, as before the first checkpoint).
          checkpoint: command.checkpoint ?? 'ok',
          // Routes whose answer is 50 MB ('campaign', 'challenge', 'submissions', 'files', 'checkpoint').
          huge: command.huge ?? [],
          hugeSent: 0,
        });
        // The first `confirmedEntries` made-up signatures confirmed by their e-mail's owner (04 entries).
        const c = campaigns.get(command.campaign);
        for (const stored of c.entries.slice(0, command.confirmedEntries ?? 0)) {
          c.entries.push(Buffer.concat([Buffer.from([4]), stored.subarray(1, 17), randomBytes(32)]));
        }
      } else if (command.op === 'network') {
        networkDown = command.down === true;
      } else if (command.op === 'fail') {
        campaigns.get(command.campaign).failure = command.failure ?? null;
      } else if (command.op === 'release') {
        const c = campaigns.get(command.campaign);
        c.failure = null;
        c.release?.();
      } else if (command.op === 'log') {
        const c = campaigns.get(command.campaign);
        ctx.type = 'application/json';
        ctx.body = JSON.stringify({ log: c.log, stored: [...c.stored.values()], challenges: c.challenges, count: c.count, hugeSent: c.hugeSent, vkey: logVkey(c.origin) });
        return;
      }
      ctx.type = 'application/json';
      ctx.body = '{}';
      return;
    }

    if (path === '/__page') {
      const q = ctx.query;
      const integrity = JSON.parse(readFileSync(join(widgetDir, 'dist', 'integrity.json'), 'utf8'))['secure-sign.js'];
      // cdn: another origin serving dist/ (cross-origin, as from a CDN).
      const cdn = q.cdn ? new URL(q.cdn).origin : undefined;
      const worker = q.worker === 'none' ? "'none'" : q.worker === 'self' ? "'self'" : 'blob:';
      ctx.set('content-security-policy', strictCsp({ cdn, worker, wasm: q.wasm !== 'no' }));
      ctx.type = 'text/html';
      // savedata: the visitor asked to save data (navigator.connection.saveData), set before the widget runs.
      const saveData = q.savedata ? `<script type="module" src="${PREFIX}/__save-data.js"></script>\n` : '';
      // offscreen: the widget sits far below the first screen (no styles: the CSP allows none).
      const filler = q.offscreen ? '<p>Letter text.</p>'.repeat(400) : '';
      ctx.body = `<!doctype html><html lang="${escapeHtml(q.lang ?? 'en')}"><head><meta charset="utf-8"><title>Partner</title>
${saveData}<script type="module" src="${escapeHtml(cdn ?? '')}${PREFIX}/__dist/secure-sign.js" integrity="${integrity}" crossorigin="anonymous"></script></head>
<body><h1>An open letter</h1>${filler}
<secure-sign campaign="${escapeHtml(q.campaign)}" campaign-key="${escapeHtml(q.key)}" collector="${escapeHtml(q.collector)}"${q.logkey ? ` log-key="${escapeHtml(q.logkey)}"` : ''}></secure-sign>
</body></html>`;
      return;
    }

    if (path === '/__save-data.js') {
      ctx.type = 'text/javascript';
      ctx.body = "Object.defineProperty(Navigator.prototype, 'connection', { configurable: true, get: () => ({ saveData: true, effectiveType: '4g' }) });";
      return;
    }

    // The built files exactly as a CDN serves them (the dev server's transforms would break SRI).
    const dist = /^\/__dist\/([a-zA-Z0-9_-]+\.js)$/.exec(path);
    if (dist) {
      try {
        ctx.body = readFileSync(join(widgetDir, 'dist', dist[1]));
        ctx.type = 'text/javascript';
        // As a CDN does, so that pages on other origins can load it with crossorigin + SRI.
        ctx.set('access-control-allow-origin', '*');
      } catch {
        ctx.status = 404;
      }
      return;
    }

    if (networkDown) return problem(ctx, 503, 'unavailable');
    const match = /^\/v1\/campaigns\/([^/]+)(\/challenge|\/submissions|\/files\/([^/]+)|\/log\/checkpoint)?$/.exec(path);
    const campaign = match && campaigns.get(match[1]);
    if (!campaign) return problem(ctx, 404, 'unknown-campaign');
    const body = ctx.method === 'POST' ? await readBody(ctx) : '';
    campaign.log.push({ method: ctx.method, path, body, headers: { ...ctx.headers } });

    const origin = ctx.get('origin');
    // The contract the lead adds to the real collector: the public campaign answer says, when the
    // request carried an Origin, whether that origin is registered (and is readable from any origin).
    const originAllowed = campaign.origins === null || campaign.origins.includes(origin);
    if (origin && (originAllowed || ctx.method === 'GET')) ctx.set('access-control-allow-origin', origin);
    const route = !match[2] ? 'campaign' : match[3] ? 'files' : match[2].split('/').pop();
    if (campaign.huge.includes(route)) {
      ctx.status = route === 'challenge' || route === 'submissions' ? 201 : 200;
      ctx.type = route === 'checkpoint' ? 'text/plain' : 'application/json';
      ctx.body = huge(campaign);
      return;
    }
    if (route === 'checkpoint' && ctx.method === 'GET') {
      if (campaign.checkpoint === 'none') return problem(ctx, 404, 'not-found');
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = checkpoint(campaign);
      return;
    }
    if (!match[2] && ctx.method === 'GET') {
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({
        campaign: match[1],
        ...(campaign.legacy ? {} : { keyId: campaign.kid }),
        count: campaign.count,
        ...(campaign.legacy ? {} : { confirmed: campaign.confirmed, countShown: campaign.countShown }),
        goal: campaign.goal,
        opensAt: null,
        closesAt: null,
        open: campaign.open,
        ...(origin && !campaign.legacy ? { originAllowed } : {}),
        ...(campaign.legacy ? {} : { log: { origin: campaign.origin, vkey: logVkey(campaign.origin), size: campaign.entries.length } }),
        // As the collector says whether a wall is published (an older one does not say).
        // (A test that serves a huge wall says one is published.)
        ...(campaign.legacy ? {} : { wall: campaign.wall === null && !campaign.huge.includes('files') ? null : { serial: 1 } }),
      });
      return;
    }
    if (match[2] === '/challenge' && ctx.method === 'POST') {
      if (!campaign.open) return problem(ctx, 403, 'campaign-closed');
      campaign.challenges++;
      const challenge = await createChallenge({
        algorithm: 'SHA-256',
        cost: 1,
        keyPrefix: '00',
        deriveKey,
        hmacSignatureSecret: SECRET,
        expiresAt: new Date(Date.now() + 10 * 60_000),
      });
      ctx.status = 201;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ ...challenge, expiresAt: new Date(Date.now() + 10 * 60_000).toISOString() });
      return;
    }
    if (match[2] === '/submissions' && ctx.method === 'POST') {
      if (campaign.failure === 'hold') {
        // Keeps the request open until the test sends {op: 'release'}: the widget's "sending" state.
        await new Promise((resolve) => {
          campaign.release = resolve;
        });
      }
      if (campaign.failure === 'offline') return problem(ctx, 503, 'unavailable');
      if (ctx.get('content-type') !== 'application/json') return problem(ctx, 415, 'unsupported-media-type');
      let parsed;
      try {
        parsed = JSON.parse(body);
      } catch {
        return problem(ctx, 400, 'malformed-json');
      }
      const { envelope, pow } = parsed ?? {};
      if (!envelope || envelope.v !== 1 || typeof envelope.sid !== 'string' || typeof envelope.ct !== 'string') {
        return problem(ctx, 400, 'malformed-envelope');
      }
      if (envelope.campaign !== match[1]) return problem(ctx, 422, 'campaign-mismatch');
      if (envelope.kid !== campaign.kid) return problem(ctx, 422, 'key-mismatch');
      const previous = campaign.stored.get(envelope.sid);
      if (previous) {
        if (JSON.stringify(previous.envelope) !== JSON.stringify(envelope)) return problem(ctx, 409, 'submission-id-conflict');
        ctx.type = 'application/json';
        ctx.body = JSON.stringify(previous.receipt);
        return;
      }
      const result = pow?.challenge && pow?.solution
        ? await verifySolution({ challenge: withoutExpiryField(pow.challenge), solution: pow.solution, deriveKey, hmacSignatureSecret: SECRET })
        : { verified: false };
      if (!result.verified) return problem(ctx, 422, result.expired ? 'pow-expired' : 'pow-invalid');
      if (campaign.failure === 'closed-on-submit') return problem(ctx, 403, 'campaign-closed');
      // The receipt of the contract (docs/api.md): the entry (0x01, sid, SHA-256 of the stored
      // envelope's exact bytes) at its index, and the collector's signed promise.
      const stored = JSON.stringify({ v: envelope.v, campaign: envelope.campaign, kid: envelope.kid, sid: envelope.sid, wh: envelope.wh, ch: envelope.ch, ct: envelope.ct });
      const entry = Buffer.concat([Buffer.from([1]), Buffer.from(envelope.sid, 'base64url'), sha256(Buffer.from(stored))]);
      const index = campaign.entries.push(entry) - 1;
      const promise = signNote(`secure-sign promise/v1\n${campaign.origin}\n${index}\n${entry.toString('base64')}\n`, campaign.origin);
      const receipt = {
        campaign: match[1],
        sid: envelope.sid,
        receivedAt: new Date().toISOString(),
        ...(campaign.legacy ? {} : { log: { origin: campaign.origin, index, entry: entry.toString('base64'), promise } }),
      };
      campaign.stored.set(envelope.sid, { envelope, receipt });
      campaign.count++;
      ctx.status = 201;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(receipt);
      return;
    }
    if (match[3] && ctx.method === 'GET') {
      if (campaign.failure === 'files-down') return problem(ctx, 503, 'unavailable');
      if (match[3] !== 'wall.json' || campaign.wall === null) return problem(ctx, 404, 'not-found');
      ctx.type = 'application/json';
      ctx.body = campaign.wall;
      return;
    }
    return problem(ctx, 405, 'method-not-allowed');
  };
}

// The collector adds "expiresAt" (ISO) next to altcha-lib's challenge; altcha-lib verifies its own fields.
function withoutExpiryField(challenge) {
  const { expiresAt, ...rest } = challenge;
  void expiresAt;
  return rest;
}

/**
 * Serves widget sources requested as .js (the worker URL `new URL('./pow-worker.js', import.meta.url)`)
 * from their .ts files, which the esbuild plugin then compiles, as a bundler would.
 */
export function tsForJs() {
  return async (ctx, next) => {
    if (ctx.path.startsWith('/packages/widget/src/') && ctx.path.endsWith('.js')) {
      ctx.url = ctx.url.replace(/\.js(\?|$)/, '.ts$1');
    }
    return next();
  };
}
