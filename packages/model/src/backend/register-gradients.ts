// tfjs-core's Node build registers no gradient functions; the union package's Node build
// carries all of them (and the cpu backend). Importing it once makes tf.grad work on every
// backend. Model code itself only uses tfjs-core ops.
import '@tensorflow/tfjs';
