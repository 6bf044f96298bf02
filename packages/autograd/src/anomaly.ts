/** Anomaly mode: names the first op whose forward output or backward gradient holds NaN or Inf. */
import { NNError, type Tensor } from '@nn/tensor';

export const anomaly = { enabled: false };

/**
 * Thrown in anomaly mode ({@link detectAnomaly}) when a backward step produces NaN or Infinity; the message names the op that made it and where it was created.
 */
export class AnomalyError extends NNError {
  /** The error's class name. */
  override name = 'AnomalyError';
}

/** Throws naming the op if t holds NaN/Inf (reads synchronously; a debugging aid). */
export function checkFinite(op: string, phase: 'forward' | 'backward', t: Tensor): void {
  if (t.backend.readSync === undefined) return;
  const data = t.dataSync();
  for (const [i, v] of data.entries()) {
    if (!Number.isFinite(v)) {
      const what = phase === 'forward' ? 'output' : 'gradient for an input';
      throw new AnomalyError(
        `anomaly: op '${op}' produced ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf'} in its ${phase} ${what} (shape [${t.shape.join(',')}], element ${i})`,
      );
    }
  }
}

/** Turns anomaly detection on or off globally (like torch.autograd.set_detect_anomaly). */
export function setDetectAnomaly(on: boolean): void {
  anomaly.enabled = on;
}

/** Runs fn with anomaly detection on. */
export function detectAnomaly<R>(fn: () => R): R {
  const prev = anomaly.enabled;
  anomaly.enabled = true;
  try {
    return fn();
  } finally {
    anomaly.enabled = prev;
  }
}
