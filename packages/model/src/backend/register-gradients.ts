// tfjs-core's Node build registers no gradient functions; the union package's Node build
// carries all of them (and the cpu backend). Importing it once makes tf.grad work on every
// backend. Model code itself only uses tfjs-core ops.
import '@tensorflow/tfjs';
import {
  cast,
  registerGradient,
  reshape,
  Sum,
  type SumAttrs,
  type Tensor,
  tile,
  util,
} from '@tensorflow/tfjs-core';

/**
 * Sum's gradient without the ones tensor: tfjs multiplies dy, reshaped to keep the reduced
 * axes, by ones(x.shape), a tensor of x's full size filled in JavaScript and uploaded for
 * every Sum in the graph (the item embedder's sum over code levels is [batch x 150, 3, dim]).
 * Multiplying by 1 changes no bit, so broadcasting dy by tiling (one axis at a time, which
 * the wasm backend does as block copies) gives the same gradient.
 */
registerGradient({
  kernelName: Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    const dyTensor = dy as Tensor;
    const axes = util.parseAxisParam((attrs as unknown as SumAttrs).axis, x.shape);
    // x's shape with the reduced axes at 1 (dy's shape, whether or not the Sum kept them).
    let grad = reshape(
      dyTensor,
      x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    );
    for (const axis of axes) {
      const size = x.shape[axis] as number;
      if (size !== 1)
        grad = tile(
          grad,
          x.shape.map((_, i) => (i === axis ? size : 1)),
        );
    }
    // tfjs's gradient is float32 (dy times float32 ones) whatever dy's dtype.
    return { x: () => (grad.dtype === 'float32' ? grad : cast(grad, 'float32')) };
  },
});
