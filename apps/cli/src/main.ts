#!/usr/bin/env node
// Entry point of the `glorank` command: parse, run, and turn user mistakes into one line
// on stderr with exit code 2.
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv);
