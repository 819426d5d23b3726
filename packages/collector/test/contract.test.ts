// The problem codes in the code, in docs/openapi.json and in docs/api.md are the same set.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../src/problems.js';
import { resolveConfig } from '../src/config.js';
import { HEADERS_TIMEOUT_MS, MAX_HEADER_BYTES, REQUEST_TIMEOUT_MS } from '../src/server.js';

const openapi = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: { Problem: { properties: { code: { enum: string[] } } } } };
};
const apiMd = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');

describe('contract documents', () => {
  it('list exactly the problem codes the collector sends', () => {
    const codes = Object.keys(PROBLEMS).sort();
    expect([...openapi.components.schemas.Problem.properties.code.enum].sort()).toEqual(codes);
    const table = apiMd.slice(apiMd.indexOf('## Problem codes'));
    for (const [code, { status }] of Object.entries(PROBLEMS)) {
      expect(table, code).toMatch(new RegExp(`\\| ${status} \\|[^\\n]*\`${code}\``));
    }
  });

  it('document the timeouts and the header limit the server really applies', () => {
    const operations = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
    expect([HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, MAX_HEADER_BYTES]).toEqual([10_000, 30_000, 16 * 1024]);
    expect(apiMd).toContain('did not arrive within **10 s**, or the\n    whole request, body included, within **30 s**');
    expect(operations).toContain('request line and headers within 10 s, the whole request within 30 s');
  });

  it('refuses misconfiguration by throwing, naming the setting', () => {
    expect(() => resolveConfig({ powDifficulty: 0 })).toThrow(/config\.powDifficulty/);
    expect(() => resolveConfig({ adminToken: 'short' })).toThrow(/config\.adminToken/);
    expect(resolveConfig().powDifficulty).toBe(1_250_000);
  });
});
