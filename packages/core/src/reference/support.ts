import { DTYPES } from '../dtype.js';
import { opSupport } from '../op-support.js';

/** The reference decodes every GGML type a row at a time, so it takes any weight type. */
const support = opSupport(DTYPES.map((t) => t.name));

/** For `probe()`: each op with the dtypes of its main input. */
export const REFERENCE_OPS = support.ops;

/** Exactly the (op, input dtypes) combinations the kernels handle. */
export const referenceSupports = support.supports;
