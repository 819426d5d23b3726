// The problem codes in the code, in docs/openapi.json and in docs/api.md are the same set.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../src/problems.js';
import { resolveConfig } from '../src/config.js';

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

  it('refuses misconfiguration by throwing, naming the setting', () => {
    expect(() => resolveConfig({ powDifficulty: 0 })).toThrow(/config\.powDifficulty/);
    expect(() => resolveConfig({ adminToken: 'short' })).toThrow(/config\.adminToken/);
    expect(resolveConfig().powDifficulty).toBe(20_000);
  });
});
