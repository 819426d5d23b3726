// Three builds of the widget, all into dist/, in this order:
// 1. pow-worker.js: the proof-of-work Web Worker, self-contained (altcha-lib bundled), minified.
//    No build loads this file: the two builds below carry its exact bytes as text in a module of
//    their own (src/pow/worker-code.ts, replaced by `workerCode()`), which the solver starts as a
//    blob: worker, so the snippet's import map pins the worker like every other module. It stays
//    in dist/ for the benchmarks and for anyone who wants to read what runs.
// 2. index.js (+ chunks): ESM for bundlers; lit, @secure-sign/crypto and altcha-lib stay external.
// 3. secure-sign.js (+ ss-*.js chunks): the CDN bundle, everything bundled and minified. Its
//    initial chunk holds lit, the element and English; libsodium and zod sit in a lazy chunk loaded
//    on the signer's first interaction; other languages are small lazy chunks. Each dynamic import
//    requests its chunk's own imports at the same time (parallelImports).
// Finally the SRI hash (sha384) of every emitted .js file goes to dist/integrity.json and is printed
// with its gzipped size. The widget's Node tests check the chunks' contents and sizes.
import { externals, packageDir, ts } from '../../scripts/rollup-package.mjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { create, ts as cemTs } from '@custom-elements-manifest/analyzer';
import { litPlugin } from '@custom-elements-manifest/analyzer/src/features/framework-plugins/lit/lit.js';
import { gzipSync } from 'node:zlib';

const dir = packageDir('widget');
// SECURE_SIGN_WIDGET_OUT builds into another folder (bench/phone-trace.mjs's experiments, while
// other work in the same checkout uses dist/); such a build leaves custom-elements.json alone.
const out = process.env.SECURE_SIGN_WIDGET_OUT;
const dist = out ? resolve(out) : join(dir, 'dist');
const tsWidget = () => (out ? ts('widget', { outDir: dist }) : ts('widget'));
const browser = () => nodeResolve({ browser: true, exportConditions: ['browser', 'import', 'default'] });
// The element's internal reactive state (`_status`, `_t`, …: `state: true` in its properties, never
// read outside secure-sign.component.ts) gets short names: they are the most repeated words of the
// first load. Only these names, so no property shared between chunks is renamed.
const STATE = /^_(status|t|info|errors|receipt|wall|announce|kind|arrived|verify|logCount)$/;
const minify = () =>
  terser({ module: true, ecma: 2022, format: { comments: false }, compress: { passes: 3, unsafe_arrows: true }, mangle: { properties: { regex: STATE } } });

/**
 * Collapses white space in the lit templates of the widget's own sources: the CSS (which has no
 * interpolations) fully, with each block's last semicolon and the zero of `0.5` dropped, and in HTML templates line breaks with their indentation (none of our
 * templates has white-space-sensitive content such as <pre>). Keeps the CDN bundle's first load
 * small. HTML templates nest (html`…${cond ? html`…` : nothing}…`), so they are found by a small
 * scanner over the compiled JavaScript rather than a regular expression.
 */
function compactTemplates() {
  return {
    name: 'secure-sign-compact-templates',
    transform(code, id) {
      // (Not the worker's text, which workerCode() gives exactly as built.)
      if (!id.startsWith(join(dir, 'src')) || !id.endsWith('.ts') || id === join(dir, 'src/pow/worker-code.ts')) return null;
      const out = code.replace(/\bcss\s*`([^`]*)`/g, (_, body) =>
        `css\`${body
          .replace(/\/\*[^]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{}:;,>])\s*/g, '$1')
          // The last declaration of a block needs no semicolon; 0.5 is .5.
          .replace(/;}/g, '}')
          .replace(/(^|[\s:,(/-])0\.(\d)/g, '$1.$2')
          .trim()}\``,
      );
      return { code: compactHtml(out), map: null };
    },
  };
}

/**
 * Replaces each line break and the indentation after it by one space in the text of html`…`
 * templates (at any depth), leaving every other character of `code` as it is. Understands
 * strings, comments and `${…}` nesting; the widget's sources have no regular-expression literal
 * containing a quote or backtick, which it would not.
 */
function compactHtml(code) {
  let out = '';
  let i = 0;
  // Open template literals and `${` code blocks, innermost last.
  const stack = [{ code: true, depth: 0 }];
  while (i < code.length) {
    const top = stack[stack.length - 1];
    const c = code[i];
    if (!top.code) {
      if (c === '\\') {
        out += code.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        stack.pop();
        out += c;
        i++;
      } else if (c === '$' && code[i + 1] === '{') {
        stack.push({ code: true, depth: 0 });
        out += '${';
        i += 2;
      } else {
        let j = i;
        while (j < code.length && code[j] !== '`' && code[j] !== '\\' && !(code[j] === '$' && code[j + 1] === '{')) j++;
        const text = code.slice(i, j);
        out += top.html ? text.replace(/\n\s*/g, ' ') : text;
        i = j;
      }
      continue;
    }
    if (c === '`') {
      stack.push({ code: false, html: /\bhtml\s*$/.test(code.slice(Math.max(0, i - 12), i)) });
      out += c;
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
      out += code.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && (code[i + 1] === '/' || code[i + 1] === '*')) {
      const end = code[i + 1] === '/' ? code.indexOf('\n', i) : code.indexOf('*/', i + 2) + 2;
      const stop = end <= 0 ? code.length : end;
      out += code.slice(i, stop);
      i = stop;
    } else {
      if (c === '{') top.depth++;
      else if (c === '}') {
        if (top.depth === 0 && stack.length > 1) {
          stack.pop();
          out += c;
          i++;
          continue;
        }
        top.depth--;
      }
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Replaces src/pow/worker-code.ts (which, from the sources, points at the worker's module URL) by
 * the built dist/pow-worker.js as a string: `export const program = { code: "…" }`. Rollup runs
 * the builds of this file in order, so build 1 has written the worker when this reads it.
 */
function workerCode() {
  const id = join(dir, 'src/pow/worker-code.ts');
  return {
    name: 'secure-sign-worker-code',
    load(loaded) {
      if (loaded !== id) return null;
      let code;
      try {
        code = readFileSync(join(dist, 'pow-worker.js'), 'utf8');
      } catch (error) {
        this.error(`the worker's text comes from dist/pow-worker.js, built first by this config: ${error.message}`);
      }
      this.addWatchFile(join(dist, 'pow-worker.js'));
      return { code: `export const program = { code: ${JSON.stringify(code)} };\n`, map: { mappings: '' } };
    },
  };
}

/**
 * A dynamic import fetches its chunk's own static imports only once that chunk has arrived and
 * been parsed: one more round trip per level, 0.56 s each on a slow phone connection (issue 19:
 * the crypto chunk, then the hashing code it shares with the log-count chunk). This rewrites each
 * `import('./chunk.js')` of the CDN build to request the chunk and every chunk it imports
 * statically (transitively) at once, leaving out what the importing chunk has loaded already. The
 * browser's module map fetches and evaluates each file once; the expression's value is still the
 * chunk's own import.
 */
function parallelImports() {
  return {
    name: 'secure-sign-parallel-imports',
    renderChunk(code, chunk, _options, { chunks }) {
      const loaded = new Set([chunk.fileName]);
      const walk = (name, into) => {
        for (const dep of chunks[name]?.imports ?? []) {
          if (!into.has(dep)) {
            into.add(dep);
            walk(dep, into);
          }
        }
        return into;
      };
      walk(chunk.fileName, loaded);
      let changed = false;
      const out = code.replace(/\bimport\((['"])\.\/([^'"]+)\1\)/g, (whole, _quote, file) => {
        if (!chunks[file]) return whole;
        const deps = [...walk(file, new Set())].filter((dep) => !loaded.has(dep) && dep !== file);
        if (deps.length === 0) return whole;
        changed = true;
        // (The chunk's own import fails too if one of these does: their failures are silenced.)
        return `(${deps.map((name) => `import('./${name}').catch(() => 0), `).join('')}import('./${file}'))`;
      });
      return changed ? { code: out, map: null } : null;
    },
  };
}

/**
 * libsodium.js carries its WebAssembly (about 217 KB) inside its JavaScript as a base64 string,
 * which gzip cannot compress well: base64 hides the byte patterns gzip would find, so the string
 * alone is about 130 KB gzipped, against 100 KB for the raw bytes. For the CDN bundle this
 * replaces that string and the function decoding it by a string holding one character per byte
 * and a 256-character table: the commonest bytes become the characters that take one byte in
 * UTF-8 (module scripts are always UTF-8), the rest two, none of them one that needs an escape (no
 * quote, backslash, line break or other character terser writes as an escape sequence). About
 * 106 KB gzipped, and decoded by a single loop. The bytes are exactly libsodium's: the build
 * decodes the new string here and fails if a single byte differs, or if libsodium's code no longer
 * has the one shape this expects (a new version: look at it again).
 */
function compactWasm() {
  // The character codes usable for one byte, in the order they are given out (commonest byte first).
  const escaped = new Set([0, 8, 9, 10, 11, 12, 13, 0x22, 0x27, 0x5c]);
  const codes = [];
  for (let code = 1; codes.length < 256; code++) if (!escaped.has(code)) codes.push(code);
  return {
    name: 'secure-sign-compact-wasm',
    transform(code, id) {
      if (!/[\\/]libsodium[\\/]dist[\\/]modules-esm[\\/]libsodium\.mjs$/.test(id)) return null;
      // `(A=>{for(var …;return E})("AGFzbQ…")`: the decoder applied to the base64 of the module.
      const found = [...code.matchAll(/\(([\w$]+)=>\{for\(var [^{}]{0,400}?return [\w$]+\}\)\("([A-Za-z0-9+/]{100000,}={0,2})"\)/g)];
      if (found.length !== 1) this.error(`expected libsodium's WebAssembly as one base64 string with its decoder, found ${found.length}`);
      const [whole, , base64] = found[0];
      const bytes = Buffer.from(base64, 'base64');
      if (bytes.toString('base64') !== base64 || bytes.readUInt32BE(0) !== 0x0061736d) this.error("libsodium's base64 is not a WebAssembly module");
      const counts = new Array(256).fill(0);
      for (const byte of bytes) counts[byte]++;
      const order = [...counts.keys()].sort((a, b) => counts[b] - counts[a] || a - b);
      const codeOf = new Array(256);
      order.forEach((byte, rank) => (codeOf[byte] = codes[rank]));
      const table = String.fromCharCode(...codeOf);
      let text = '';
      for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...Array.from(bytes.subarray(i, i + 8192), (byte) => codeOf[byte]));
      // The decoder below, run here: it must give back exactly libsodium's bytes.
      const decode = (s, t) => {
        const byteOf = new Uint8Array(512);
        for (let i = 0; i < 256; i++) byteOf[t.charCodeAt(i)] = i;
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) out[i] = byteOf[s.charCodeAt(i)];
        return out;
      };
      if (!Buffer.from(decode(text, table)).equals(bytes)) this.error('the compact WebAssembly string does not decode to the original bytes');
      const decoder = '((s,t)=>{for(var b=new Uint8Array(512),i=0;i<256;i++)b[t.charCodeAt(i)]=i;var o=new Uint8Array(s.length);for(i=0;i<s.length;i++)o[i]=b[s.charCodeAt(i)];return o})';
      return { code: code.replace(whole, () => `${decoder}("${text}","${table}")`), map: null };
    },
  };
}

/**
 * Shortens the three error messages lit's production build still carries in the first load
 * (about 130 bytes gzipped, for errors only a programming mistake in the widget could raise:
 * an interpolated value in css`…`, a CSSResult made by hand, a forged template array). The
 * build fails if lit no longer has one of them (a new version: look at it again).
 */
function shortLitErrors() {
  const messages = [
    ['"CSSResult is not constructable. Use `unsafeCSS` or `css` instead."', '"lit: CSSResult"'],
    ['"Value passed to \'css\' function must be a \'css\' function result: "+t+". Use \'unsafeCSS\' to pass non-literal values, but take care to ensure page security."', '"lit: css value "+t'],
    ['"invalid template strings array"', '"lit: template"'],
  ];
  const seen = new Set();
  return {
    name: 'secure-sign-short-lit-errors',
    transform(code, id) {
      if (!/[\\/](@lit[\\/]reactive-element|lit-html)[\\/]/.test(id)) return null;
      let out = code;
      for (const [long, short] of messages) {
        if (!out.includes(long)) continue;
        out = out.replace(long, () => short);
        seen.add(long);
      }
      return out === code ? null : { code: out, map: null };
    },
    buildEnd(error) {
      if (error) return;
      const missing = messages.filter(([long]) => !seen.has(long));
      if (missing.length > 0) this.error(`lit's error messages changed: not found ${missing.map(([long]) => long.slice(0, 40)).join(', ')}`);
    },
  };
}

/** Removes JavaScript left by earlier builds (tsc -b writes only .d.ts files into dist/). */
function cleanJs() {
  return {
    name: 'secure-sign-clean-js',
    buildStart() {
      for (const name of safeList(dist)) {
        if (/\.(js|js\.map)$/.test(name) || name === 'integrity.json') rmSync(join(dist, name), { force: true });
      }
    },
  };
}

function safeList(path) {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/**
 * Writes custom-elements.json from the component's JSDoc (the public contract), with the
 * analyzer's own TypeScript, so the manifest can never drift from the code.
 */
function manifest() {
  return {
    name: 'secure-sign-custom-elements-manifest',
    writeBundle() {
      const modules = ['src/secure-sign.component.ts', 'src/secure-sign.ts'].map((path) =>
        cemTs.createSourceFile(path, readFileSync(join(dir, path), 'utf8'), cemTs.ScriptTarget.ES2022, true),
      );
      const result = create({ modules, plugins: [...litPlugin()], context: { dev: false } });
      // Internal reactive state (`_name`, `state: true`) is not part of the public contract.
      for (const mod of result.modules) {
        for (const declaration of mod.declarations ?? []) {
          declaration.attributes = declaration.attributes?.filter((a) => !a.name.startsWith('_'));
          declaration.members = declaration.members?.filter((m) => !m.name.startsWith('_') && m.privacy !== 'private');
        }
      }
      writeFileSync(join(dir, 'custom-elements.json'), `${JSON.stringify(result, null, 2)}\n`);
    },
  };
}

/** Writes dist/integrity.json (sha384 SRI of every .js file) and prints it with gzipped sizes. */
function integrity() {
  return {
    name: 'secure-sign-integrity',
    writeBundle() {
      const files = safeList(dist).filter((name) => name.endsWith('.js')).sort();
      const hashes = {};
      const lines = [];
      for (const name of files) {
        const bytes = readFileSync(join(dist, name));
        hashes[name] = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
        const gz = (gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1);
        lines.push(`  ${name.padEnd(34)} ${gz.padStart(6)} KB gz  ${hashes[name]}`);
      }
      writeFileSync(join(dist, 'integrity.json'), `${JSON.stringify(hashes, null, 2)}\n`);
      console.error(`@secure-sign/widget: Subresource Integrity of dist/ (also in dist/integrity.json):\n${lines.join('\n')}`);
    },
  };
}

export default [
  {
    input: join(dir, 'src/pow/pow-worker.ts'),
    plugins: [cleanJs(), tsWidget(), browser(), minify()],
    output: { file: join(dist, 'pow-worker.js'), format: 'es', inlineDynamicImports: true },
  },
  {
    input: join(dir, 'src/index.ts'),
    external: externals('widget'),
    plugins: [workerCode(), tsWidget()],
    output: { dir: dist, format: 'es', sourcemap: true, chunkFileNames: '[name]-[hash].js' },
  },
  {
    input: { 'secure-sign': join(dir, 'src/secure-sign.ts') },
    // Lets the lazy chunk import what it shares with the entry (the key-string code) from the entry
    // itself, so the first load stays one file instead of an entry plus a shared chunk.
    preserveEntrySignatures: false,
    plugins: [workerCode(), tsWidget(), compactTemplates(), compactWasm(), shortLitErrors(), browser(), parallelImports(), minify(), integrity(), ...(out ? [] : [manifest()])],
    output: {
      dir: dist,
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'ss-[name]-[hash].js',
    },
  },
];
