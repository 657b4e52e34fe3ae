// Flag reading for the benches: node:util parseArgs, and whole-number flags checked in one
// place, so a bad value stops every bench the same way (one line naming the flag, exit 2).
import { parseArgs } from 'node:util';

/** Parse `options` for the bench named `bench` (e.g. 'bench/api'); `int(name, min)` reads a whole-number flag. */
export function benchFlags(bench, options) {
  const { values: flags } = parseArgs({ options });
  const int = (name, min = 1) => {
    const n = Number(flags[name]);
    if (!Number.isInteger(n) || n < min) {
      const expected = min === 1 ? 'a positive integer' : `an integer >= ${min}`;
      process.stderr.write(`${bench}: --${name} must be ${expected}, got '${flags[name]}'\n`);
      process.exit(2);
    }
    return n;
  };
  return { flags, int };
}
