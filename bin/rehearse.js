#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/src/cli.js (built by `npm run build`).
import { main } from '../dist/src/cli.js';

process.exitCode = await main(process.argv);
