/** Choosing between a backend's fused update routine and the composed tensor-op version. */
import { BackendError, type Tensor } from '@nn/tensor';
import { type FusedRoutines, isContiguous } from '@nn/tensor/backend';

export type FusedKind = 'adam' | 'sgd';
type Routine<K extends FusedKind> = NonNullable<FusedRoutines<unknown>[K]>;
export type FusedAdamOptions = Parameters<Routine<'adam'>>[5];
export type FusedSgdOptions = Parameters<Routine<'sgd'>>[3];

/** The backend's routine when `fused` allows it (undefined = use when available). */
export function fusedRoutine<K extends FusedKind>(p: Tensor, kind: K, fused: boolean | undefined): Routine<K> | undefined {
  if (fused === false) return undefined;
  return p.backend.fused[kind] as Routine<K> | undefined;
}

/** With `fused: true`, every parameter's backend must provide the routine. */
export function requireFused(owner: string, kind: FusedKind, fused: boolean | undefined, params: readonly Tensor[]): void {
  if (fused !== true) return;
  for (const p of params) {
    if (p.backend.fused[kind] === undefined) {
      throw new BackendError(
        `${owner}: fused: true, but backend '${p.backend.name}' has no fused '${kind}' routine; use fused: undefined (use it when available) or false`,
      );
    }
  }
}

/** Whether a tensor can be handed to a fused routine as it is (dense, row-major). */
export function isDense(t: Tensor): boolean {
  return isContiguous(t.shape, t.strides);
}
