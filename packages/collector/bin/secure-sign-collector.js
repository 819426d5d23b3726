#!/usr/bin/env node
// The collector's command: see `secure-sign-collector --help`.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
