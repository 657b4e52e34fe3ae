import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfigText, readConfigFile } from './config-file.js';

const schema = z.strictObject({
  name: z.string(),
  train: z.strictObject({ epochs: z.int().min(1).default(3), rate: z.number().optional() }).prefault({}),
  steps: z.array(z.strictObject({ kind: z.enum(['a', 'b']) })).default([]),
});
const KIND = { name: 'test config', mapping: 'test settings (name, train, steps)' };

describe('config files', () => {
  it('applies defaults and reads JSON as YAML', () => {
    expect(parseConfigText('name: x\n', 'c.yaml', schema, KIND)).toEqual({
      name: 'x',
      train: { epochs: 3 },
      steps: [],
    });
    expect(
      parseConfigText('{"name": "y", "train": {"epochs": 5}}', 'c.json', schema, KIND).train.epochs,
    ).toBe(5);
  });

  it('names file, line, field, the value found and the expected one', () => {
    const text = 'name: x\ntrain:\n  epochs: 0\n';
    expect(() => parseConfigText(text, 'c.yaml', schema, KIND)).toThrow(
      "c.yaml:3, field 'train.epochs': Too small: expected number to be >=1 (got 0)",
    );
  });

  it('lists the fields allowed where an unknown one stands, at its own line', () => {
    const text = 'name: x\nsteps:\n  - kind: a\n  - { kind: b, knd: a }\n';
    expect(() => parseConfigText(text, 'c.yaml', schema, KIND)).toThrow(
      "c.yaml:4, field 'steps[1].knd': unknown field; expected one of kind",
    );
  });

  it('rejects broken YAML and a top level that is not a mapping', () => {
    expect(() => parseConfigText('name: [x\n', 'c.yaml', schema, KIND)).toThrow(
      /^c\.yaml:\d+: not valid YAML\/JSON/,
    );
    expect(() => parseConfigText('- 1\n', 'c.yaml', schema, KIND)).toThrow(
      'c.yaml: expected a mapping of test settings (name, train, steps)',
    );
  });

  it('says when the file is missing, and returns the absolute path and folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'glorank-config-'));
    await expect(readConfigFile(path.join(dir, 'none.yaml'), schema, KIND)).rejects.toThrow(
      `${path.join(dir, 'none.yaml')}: test config not found`,
    );
    await writeFile(path.join(dir, 'c.yaml'), 'name: z\n');
    const loaded = await readConfigFile(path.join(dir, 'c.yaml'), schema, KIND);
    expect(loaded).toEqual({
      config: { name: 'z', train: { epochs: 3 }, steps: [] },
      file: path.join(dir, 'c.yaml'),
      dir,
    });
  });
});
