// Named trainable tensors with seeded initialisation. Every network in @glorank/model
// creates its weights through a ParamStore, so a checkpoint is "name -> array", a frozen
// copy (e.g. the RL reference policy) is a second store with copied values, and the same
// seed gives the same initial weights on every backend (values are drawn from Rng on the
// CPU, never from tf.random*).
import type { Rng } from '@glorank/data';
import { UserError } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';

/** How a parameter's initial values are drawn. */
export type Init =
  | { kind: 'glorot' }
  | { kind: 'normal'; std: number }
  | { kind: 'zeros' }
  | { kind: 'ones' };

/** A plain copy of a tensor's values (row-major), used by checkpoints. */
export interface StoredArray {
  shape: number[];
  values: Float32Array;
}

let storeCounter = 0;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  /** tfjs variable names are global; this prefix keeps two stores with equal names apart. */
  private readonly uid = `ps${storeCounter++}`;
  private readonly byTfName = new Map<string, string>();

  /** `rng` supplies every initial value; `trainable: false` makes a frozen store. */
  constructor(
    private readonly rng: Rng,
    readonly trainable = true,
  ) {}

  /** Create parameter `name` (unique in this store) with `shape`, drawn by `init`. */
  create(name: string, shape: number[], init: Init): tf.Variable {
    if (this.vars.has(name)) throw new Error(`ParamStore: parameter '${name}' already exists`);
    const n = sizeOf(shape);
    const values = new Float32Array(n);
    switch (init.kind) {
      case 'glorot': {
        // Uniform Glorot over the last two axes (fanIn = rows, fanOut = cols).
        const fanIn = shape.length >= 2 ? (shape[shape.length - 2] as number) : n;
        const fanOut = shape.length >= 1 ? (shape[shape.length - 1] as number) : n;
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        for (let i = 0; i < n; i++) values[i] = this.rng.uniform(-limit, limit);
        break;
      }
      case 'normal':
        for (let i = 0; i < n; i++) values[i] = this.rng.normal(0, init.std);
        break;
      case 'zeros':
        break;
      case 'ones':
        values.fill(1);
        break;
    }
    const tfName = `${this.uid}/${name}`;
    // tf.variable copies its initial value: free the temporary tensor.
    const initial = tf.tensor(values, shape, 'float32');
    const v = tf.variable(initial, this.trainable, tfName);
    initial.dispose();
    this.vars.set(name, v);
    this.byTfName.set(tfName, name);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (v === undefined) throw new Error(`ParamStore: no parameter '${name}'`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** Parameter names in creation order. */
  names(): string[] {
    return [...this.vars.keys()];
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Store name of a tfjs variable name (as keys of tf.variableGrads' result). */
  nameOf(tfName: string): string | undefined {
    return this.byTfName.get(tfName);
  }

  /** Total number of scalar parameters. */
  size(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /**
   * Gradients of the scalar `loss` with respect to every parameter, keyed by store name.
   * The caller owns (and disposes) the returned value and gradients.
   */
  valueAndGrads(loss: () => tf.Scalar): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
    const { value, grads } = tf.variableGrads(loss, this.variables());
    const out = new Map<string, tf.Tensor>();
    for (const [tfName, g] of Object.entries(grads)) {
      const name = this.nameOf(tfName);
      if (name === undefined) {
        g.dispose();
        continue;
      }
      out.set(name, g);
    }
    return { value, grads: out };
  }

  /** Copy every value out (for checkpoints), keyed `${prefix}${name}`. */
  exportArrays(prefix = ''): Map<string, StoredArray> {
    const out = new Map<string, StoredArray>();
    for (const [name, v] of this.vars) {
      out.set(prefix + name, {
        shape: [...v.shape],
        values: Float32Array.from(v.dataSync() as Float32Array),
      });
    }
    return out;
  }

  /**
   * Load values saved by exportArrays. Every parameter must be present with the same shape:
   * a checkpoint of a different architecture is a user mistake, reported by name.
   */
  importArrays(arrays: ReadonlyMap<string, StoredArray>, prefix = '', source = 'checkpoint'): void {
    for (const [name, v] of this.vars) {
      const a = arrays.get(prefix + name);
      if (a === undefined) {
        throw new UserError(`parameter '${name}' is missing; the checkpoint is for a different model`, {
          file: source,
        });
      }
      if (a.shape.length !== v.shape.length || a.shape.some((d, i) => d !== v.shape[i])) {
        throw new UserError(
          `parameter '${name}' has shape [${a.shape.join(', ')}], the model expects [${v.shape.join(', ')}]`,
          { file: source },
        );
      }
      tf.tidy(() => v.assign(tf.tensor(a.values, a.shape, 'float32')));
    }
  }

  /** Copy all values from another store with the same names and shapes. */
  copyFrom(other: ParamStore): void {
    for (const [name, v] of this.vars) {
      const src = other.get(name);
      tf.tidy(() => v.assign(src.clone()));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.byTfName.clear();
  }
}
