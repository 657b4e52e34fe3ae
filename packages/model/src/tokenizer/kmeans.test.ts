import { Rng } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { balancedAssign, kmeans, kmeansPlusPlus, relocateEmpty } from './kmeans.js';
import type { Matrix } from './matrix.js';

/** `clusters` Gaussian blobs of `per` points, centres far apart relative to the noise. */
function blobs(seed: number, clusters: number, per: number, d: number, spread: number, noise: number) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () =>
    Array.from({ length: d }, () => rng.normal() * spread),
  );
  const n = clusters * per;
  const data = new Float32Array(n * d);
  const truth = new Int32Array(n);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  order.forEach((slot, i) => {
    const c = i % clusters;
    truth[slot] = c;
    for (let t = 0; t < d; t++) data[slot * d + t] = (centres[c]?.[t] ?? 0) + rng.normal() * noise;
  });
  return { x: { rows: n, cols: d, data } as Matrix, truth };
}

/** True when `labels` equals `truth` up to a renaming of clusters (a bijection). */
function samePartition(labels: Int32Array, truth: Int32Array): boolean {
  const fwd = new Map<number, number>();
  const back = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const a = labels[i] as number;
    const b = truth[i] as number;
    if ((fwd.get(a) ?? b) !== b || (back.get(b) ?? a) !== a) return false;
    fwd.set(a, b);
    back.set(b, a);
  }
  return true;
}

describe('k-means', () => {
  it('recovers well-separated clusters exactly', () => {
    for (const seed of [1, 2, 3]) {
      const { x, truth } = blobs(seed, 12, 40, 16, 10, 0.3);
      const r = kmeans(x, { k: 12, rng: new Rng(seed + 100) });
      expect(samePartition(r.labels, truth)).toBe(true);
      expect(r.converged).toBe(true);
      expect(Array.from(r.sizes)).toEqual(new Array(12).fill(40));
    }
  });

  it('returns centroids that are the means of their points and inertia that matches them', () => {
    const { x } = blobs(4, 5, 30, 6, 2, 1);
    const r = kmeans(x, { k: 7, rng: new Rng(9) });
    const d = x.cols;
    let inertia = 0;
    for (let j = 0; j < 7; j++) {
      const members = Array.from(r.labels.keys()).filter((i) => r.labels[i] === j);
      expect(members.length).toBe(r.sizes[j]);
      for (let t = 0; t < d; t++) {
        const mean = members.reduce((s, i) => s + (x.data[i * d + t] as number), 0) / members.length;
        expect(r.centroids[j * d + t]).toBeCloseTo(mean, 4);
      }
    }
    // Every point sits at its nearest centroid (a Lloyd fixed point) and inertia adds up.
    for (let i = 0; i < x.rows; i++) {
      const dists = Array.from({ length: 7 }, (_, j) => {
        let s = 0;
        for (let t = 0; t < d; t++)
          s += ((x.data[i * d + t] as number) - (r.centroids[j * d + t] as number)) ** 2;
        return s;
      });
      const own = dists[r.labels[i] as number] as number;
      expect(own).toBeLessThanOrEqual(Math.min(...dists) + 1e-4);
      inertia += own;
    }
    expect(r.inertia).toBeCloseTo(inertia, 2);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const { x } = blobs(5, 6, 50, 8, 1, 1);
    const a = kmeans(x, { k: 10, rng: new Rng(3) });
    const b = kmeans(x, { k: 10, rng: new Rng(3) });
    const c = kmeans(x, { k: 10, rng: new Rng(4) });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    expect(Array.from(a.centroids)).not.toEqual(Array.from(c.centroids));
  });

  it('gives the same labels with Hamerly bounds as plain Lloyd iterations', () => {
    // Plain Lloyd written out directly from the same k-means++ seeds.
    const { x } = blobs(6, 8, 60, 5, 1.5, 1);
    const k = 8;
    const init = kmeansPlusPlus(x, k, new Rng(11).fork('x'), undefined);
    const d = x.cols;
    let centres = Float64Array.from(init);
    let labels = new Int32Array(x.rows);
    for (let it = 0; it < 300; it++) {
      const next = new Int32Array(x.rows);
      for (let i = 0; i < x.rows; i++) {
        let best = Infinity;
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let t = 0; t < d; t++)
            s += ((x.data[i * d + t] as number) - (centres[j * d + t] as number)) ** 2;
          if (s < best) {
            best = s;
            next[i] = j;
          }
        }
      }
      const sums = new Float64Array(k * d);
      const counts = new Int32Array(k);
      for (let i = 0; i < x.rows; i++) {
        const j = next[i] as number;
        counts[j] = (counts[j] as number) + 1;
        for (let t = 0; t < d; t++)
          sums[j * d + t] = (sums[j * d + t] as number) + (x.data[i * d + t] as number);
      }
      centres = centres.map((v, idx) => {
        const cnt = counts[Math.floor(idx / d)] as number;
        return cnt > 0 ? (sums[idx] as number) / cnt : v;
      });
      const same = next.every((v, i) => v === labels[i]);
      labels = next;
      if (same) break;
    }
    const r = kmeans(x, { k, rng: new Rng(11).fork('x'), tolerance: 0 });
    expect(Array.from(r.labels)).toEqual(Array.from(labels));
  });

  it('k-means++ picks one seed per far-apart group', () => {
    // Three groups of identical points: after the first pick, D^2 is zero inside its group.
    const data = Float32Array.from([0, 0, 0, 0, 100, 0, 100, 0, 0, 100, 0, 100]);
    const x: Matrix = { rows: 6, cols: 2, data };
    const c = kmeansPlusPlus(x, 3, new Rng(1));
    const picked = [0, 1, 2].map((j) => `${c[j * 2]},${c[j * 2 + 1]}`).sort();
    expect(picked).toEqual(['0,0', '0,100', '100,0']);
  });

  it('survives fewer distinct points than clusters (duplicate seeds, empty clusters)', () => {
    const data = Float32Array.from([1, 1, 1, 1, 5, 5, 5, 5]);
    const r = kmeans({ rows: 4, cols: 2, data }, { k: 3, rng: new Rng(2) });
    expect(r.inertia).toBeCloseTo(0, 6);
    expect(Array.from(r.sizes).sort()).toEqual([0, 2, 2]);
  });

  it('relocates an empty cluster onto the point farthest from its centre', () => {
    // Cluster 0 holds points 0..2 (the last far out); cluster 1 is empty.
    const data = Float32Array.from([0, 1, 9]);
    const x: Matrix = { rows: 3, cols: 1, data };
    const labels = Int32Array.from([0, 0, 0]);
    const old = Float32Array.from([1, 50]);
    const means = Float64Array.from([10 / 3, 50]);
    const sizes = Int32Array.from([3, 0]);
    expect(relocateEmpty(x, labels, old, means, sizes, 2)).toBe(1);
    expect(means[1]).toBe(9);
    expect(means[0]).toBeCloseTo(0.5, 12);
    expect(Array.from(sizes)).toEqual([2, 1]);
  });

  it('balanced assignment caps every cluster at ceil(n / k)', () => {
    // A skewed sample: most points near one centre.
    const rng = new Rng(8);
    const n = 103;
    const data = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const far = i % 10 === 0;
      data[i * 2] = (far ? 20 : 0) + rng.normal();
      data[i * 2 + 1] = rng.normal();
    }
    const x: Matrix = { rows: n, cols: 2, data };
    const centres = Float32Array.from([0, 0, 20, 0, 0, 5, 5, 0]);
    const labels = new Int32Array(n);
    balancedAssign(x, centres, 4, labels);
    const sizes = [0, 0, 0, 0];
    for (const l of labels) sizes[l] = (sizes[l] ?? 0) + 1;
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil(n / 4));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    const r = kmeans(x, { k: 4, rng: new Rng(1), balanced: true });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThan(300);
    expect(Math.max(...r.sizes)).toBeLessThanOrEqual(26);
    // The returned centres are the means of the returned (capacity-respecting) labels.
    for (let j = 0; j < 4; j++) {
      const members = Array.from(r.labels.keys()).filter((i) => r.labels[i] === j);
      const mean = members.reduce((s, i) => s + (data[i * 2] as number), 0) / members.length;
      expect(r.centroids[j * 2]).toBeCloseTo(mean, 4);
    }
    expect(Math.min(...r.sizes)).toBeGreaterThanOrEqual(103 - 3 * 26);
  });
});
