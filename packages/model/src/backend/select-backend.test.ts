import { UserError } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend, withoutDuplicateKernelWarnings } from './select-backend.js';

describe('selectBackend', () => {
  it('auto picks the first available backend in order and records the probes', async () => {
    const info = await selectBackend('auto');
    expect(['node-gpu', 'node', 'wasm', 'cpu']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.tfName);
    expect(info.probes[info.probes.length - 1]).toEqual({ name: info.name, available: true });
    for (const p of info.probes.slice(0, -1)) expect(p.available).toBe(false);
  });

  it('forces a named backend', async () => {
    const info = await selectBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('fails clearly for a missing optional backend', async () => {
    let nodeInstalled = true;
    try {
      const spec = '@tensorflow/tfjs-node';
      await import(spec);
    } catch {
      nodeInstalled = false;
    }
    if (nodeInstalled) return; // this machine has libtensorflow; nothing to assert
    await expect(selectBackend('node')).rejects.toThrow(/backend 'node' is not available.*tfjs-node/);
    await expect(selectBackend('node')).rejects.toBeInstanceOf(UserError);
  });

  it('rejects unknown names with a UserError', async () => {
    await expect(selectBackend('tpu' as never)).rejects.toThrow(/unknown backend 'tpu'/);
  });

  it('drops only the duplicate tensorflow-kernel warnings while loading, and restores console.warn', async () => {
    const seen: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => seen.push(args);
    try {
      const result = await withoutDuplicateKernelWarnings(async () => {
        console.warn("The kernel 'Abs' for backend 'tensorflow' is already registered");
        console.warn("The kernel 'Abs' for backend 'wasm' is already registered");
        console.warn('something else', 1);
        return 7;
      });
      expect(result).toBe(7);
      console.warn("The kernel 'Abs' for backend 'tensorflow' is already registered");
    } finally {
      console.warn = warn;
    }
    expect(seen).toEqual([
      ["The kernel 'Abs' for backend 'wasm' is already registered"],
      ['something else', 1],
      ["The kernel 'Abs' for backend 'tensorflow' is already registered"],
    ]);
  });
});
