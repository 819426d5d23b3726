// `secure-sign frame ...`: the isolated embedding mode (issue 12). Registered by main.ts.
import type { Command } from 'commander';

/** Adds the `frame` commands to the program. */
export function registerFrameCommand(_cli: Command): void {}
