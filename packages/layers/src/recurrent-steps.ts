/**
 * The per-time-step math shared by the recurrent layers and cells, written with tensor ops so
 * autograd derives every gradient. The input projection `x W_ih^T + b` is computed by the caller
 * (for a whole sequence at once); a step only adds `h W_hh^T` and applies the gates.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { dims } from './check.js';

/** The cell types: a table keyed by this union describes each one. */
export type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/** Rows of W_ih / W_hh per hidden unit: LSTM's i, f, g, o and GRU's r, z, n gates. */
export const GATES: Record<CellKind, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

/**
 * Whether b_hh can be added to the input projection once per sequence instead of once per step.
 * Not for GRU: its n gate multiplies `W_hn h + b_hn` by r.
 */
export const FOLD_HIDDEN_BIAS: Record<CellKind, boolean> = { rnn_tanh: true, rnn_relu: true, lstm: true, gru: false };

/** A recurrent state; `null` stands for zeros (no initial state given), which skips work. */
export interface State {
  h: Tensor | null;
  /** LSTM's cell state. */
  c: Tensor | null;
}

export interface StepWeights {
  /** W_hh^T, [hidden or proj, gates * hidden] (a view made once per sequence). */
  whhT: Tensor;
  /** b_hh when it is not folded into the projection (GRU). */
  bhh: Tensor | null;
  /** W_hr^T of an LSTM with projections, [hidden, proj]. */
  whrT: Tensor | null;
}

/** `xp + h W_hh^T` (the matmul is skipped while h is all zeros). */
const preact = (xp: Tensor, h: Tensor | null, w: StepWeights): Tensor => (h === null ? xp : T.add(xp, T.matmul(h, w.whhT)));

/** Gate k of a [batch, gates * hidden] tensor (or of a 1-D bias). */
const gate = (t: Tensor, k: number, hidden: number, n = 1): Tensor => T.slice(t, -1, k * hidden, (k + n) * hidden);

type Step = (xp: Tensor, s: State, w: StepWeights, hidden: number) => State;

/** One time step of each cell, from the projected input xp [batch, gates * hidden]. */
export const STEP: Record<CellKind, Step> = {
  rnn_tanh: (xp, s, w) => ({ h: T.tanh(preact(xp, s.h, w)), c: null }),
  rnn_relu: (xp, s, w) => ({ h: T.relu(preact(xp, s.h, w)), c: null }),
  lstm: (xp, s, w, hidden) => {
    const g = preact(xp, s.h, w);
    const i = T.sigmoid(gate(g, 0, hidden));
    const f = T.sigmoid(gate(g, 1, hidden));
    const cand = T.tanh(gate(g, 2, hidden));
    const o = T.sigmoid(gate(g, 3, hidden));
    const c = s.c === null ? T.mul(i, cand) : T.add(T.mul(f, s.c), T.mul(i, cand));
    const h = T.mul(o, T.tanh(c));
    return { h: w.whrT === null ? h : T.matmul(h, w.whrT), c };
  },
  gru: (xp, s, w, hidden) => {
    // gh = W_hh h + b_hh; with h = 0 it is just b_hh (or nothing).
    const gh = s.h === null ? w.bhh : w.bhh === null ? T.matmul(s.h, w.whhT) : T.add(T.matmul(s.h, w.whhT), w.bhh);
    const rzIn = gate(xp, 0, hidden, 2);
    const rz = T.sigmoid(gh === null ? rzIn : T.add(rzIn, gate(gh, 0, hidden, 2)));
    const r = gate(rz, 0, hidden);
    const z = gate(rz, 1, hidden);
    const nIn = gate(xp, 2, hidden);
    const n = T.tanh(gh === null ? nIn : T.add(nIn, T.mul(r, gate(gh, 2, hidden))));
    // h' = (1 - z) n + z h, written as n + z (h - n).
    return { h: s.h === null ? T.sub(n, T.mul(z, n)) : T.add(n, T.mul(z, T.sub(s.h, n))), c: null };
  },
};

/**
 * The slices of x along dim, with that dim removed (torch.unbind). A slice's gradient is padded
 * to the full shape, so n direct slices would cost O(n^2) in backward; halving recursively
 * keeps it O(n log n) (each level pads to its parent's size only).
 */
export function unbind(x: Tensor, dim: number): Tensor[] {
  const [n] = dims(x.shape, dim);
  if (n === 1) return [T.squeeze(x, dim)];
  if (!x.requiresGrad) return Array.from({ length: n }, (_, t) => T.squeeze(T.slice(x, dim, t, t + 1), dim));
  const mid = n >> 1;
  return [...unbind(T.slice(x, dim, 0, mid), dim), ...unbind(T.slice(x, dim, mid, n), dim)];
}
