/**
 * @nn/autograd: importing it installs the tape in @nn/tensor, so `loss.backward()` works.
 */
import './engine.js';

export { computeGrads, type GradRequest } from './engine.js';
export { noGrad, enableGrad, isGradEnabled, grad, valueAndGrad, jvp, jacrev, jacfwd, hessian, customGrad } from './functional.js';
export { checkGrad, type CheckGradOptions, type CheckGradResult } from './checkgrad.js';
export { detectAnomaly, setDetectAnomaly, AnomalyError } from './anomaly.js';
export { gradNorms, type GradNormEntry } from './diagnostics.js';
export { toDot, type ToDotOptions } from './dot.js';
export { VJP, type VjpRule } from './rules/vjp.js';
export { JVP, type JvpRule } from './rules/jvp.js';
