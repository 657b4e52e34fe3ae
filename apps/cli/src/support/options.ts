// Shared option parsers: a bad value fails as a commander usage error (one line, exit 2).
import { InvalidArgumentError, Option } from 'commander';

export function parseIntOption(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got '${value}'.`);
    }
    return n;
  };
}

export function parseFloatOption(name: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}], got '${value}'.`);
    }
    return n;
  };
}

/** `--backend <name>`: auto (default) or one of the tfjs backends. */
export function backendOption(): Option {
  return new Option('--backend <name>', 'compute backend')
    .choices(['auto', 'node-gpu', 'node', 'wasm', 'cpu'])
    .default(process.env.GLORANK_BACKEND ?? 'auto');
}
