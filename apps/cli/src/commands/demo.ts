// `glorank demo`: the main job a newcomer runs after `npm ci`. Until the experiment
// pipeline lands it reports honestly what is built and checks the compute backend.
import type { Command } from 'commander';
import { doctorReport } from './doctor.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the built-in synthetic experiment end to end (experiments/synthetic.yaml)')
    .addHelpText('after', '\nExamples:\n  $ npm run demo\n  $ glorank demo')
    .action(async () => {
      const r = await doctorReport();
      process.stdout.write(
        [
          'glorank demo',
          `  backend: ${r.chosenBackend} (node ${r.node})`,
          '  built so far: compute-backend selection, seeded RNG, CLI shell.',
          '  not yet built: data conversion, tokenizer, training, experiment runner.',
          '  nothing was trained; see README.md for the roadmap.',
          '',
        ].join('\n'),
      );
    });
}
