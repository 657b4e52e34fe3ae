#!/usr/bin/env node
// Entry point of the `glorank` command: parse, run, and turn user mistakes into one line
// on stderr with exit code 2.
import { runCli } from './program.js';

// `glorank runs ls | head`: the reader closing the pipe early is a normal end, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv);
