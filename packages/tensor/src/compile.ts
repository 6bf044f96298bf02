/**
 * `compile(fn)`: records the backend calls fn makes once, then replays them for later calls with
 * new inputs of the same layout, without running fn's JavaScript again (PyTorch's
 * `torch.compile(mode='reduce-overhead')`, which replays CUDA graphs; jax.jit). A small model's
 * step is mostly per-op JavaScript (tensor objects, autograd graph, scopes); a replay is a loop
 * over kernel calls, so it runs faster and reaches full speed without a long JIT warm-up.
 */
import { type Backend, PRIMITIVES, type View } from './backend/contract.js';
import type { DataArray, DType } from './dtype.js';
import { NNError } from './errors.js';
import { Storage, tidy } from './memory.js';
import { isTensorValue, makeView, newTensor } from './ops/core.js';
import { getRngState } from './ops/creation.js';
import { getBackend, listBackends } from './registry.js';
import type { Tensor } from './tensor.js';

/** Thrown when fn does something a replay could not repeat (a read, randomness, optimizer state). */
export class CompileError extends NNError {
  override name = 'CompileError';
}

/** An argument of a compiled function: a tensor or an array of tensors. */
export type CompileArg = Tensor | readonly Tensor[];

/** An argument of a recorded call: a view of a buffer slot, or a constant. */
type Arg =
  | { kind: 'view'; slot: number; dtype: DType; shape: readonly number[]; strides: readonly number[]; offset: number }
  | { kind: 'const'; value: unknown };

type Step =
  | { kind: 'alloc'; slot: number; size: number; dtype: DType }
  | { kind: 'free'; slot: number }
  | { kind: 'write'; slot: number; data: DataArray }
  | { kind: 'call'; name: string; fused: boolean; args: Arg[] };

/** A recorded call ready to replay: its function, its arguments with the views' places left empty. */
interface Call {
  fn: (...a: unknown[]) => unknown;
  /** What `this` is for fn (the backend or its fused routines). */
  owner: unknown;
  args: unknown[];
  views: {
    at: number;
    slot: number;
    view: { buffer: unknown; dtype: DType; shape: readonly number[]; strides: readonly number[]; offset: number };
  }[];
}

/** What a recording assumed of one input: its layout, and the first input sharing its storage. */
interface InputLayout {
  backend: Backend;
  dtype: DType;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  alias: number;
}

/** A replay step: ALLOC slot size dtype, FREE slot, WRITE slot data, CALL call. */
const ALLOC = 0;
const FREE = 1;
const WRITE = 2;
const CALL = 3;
type Op =
  | { code: 0; slot: number; size: number; dtype: DType }
  | { code: 1; slot: number }
  | { code: 2; slot: number; data: DataArray }
  | { code: 3; call: Call };

/** Where an output tensor's elements live: a buffer made by the replay, or an input's storage. */
interface OutputLeaf {
  slot: number;
  dtype: DType;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** One recording: for inputs of one layout (shape, strides, offset, dtype, aliasing) on one backend. */
interface Plan {
  backend: Backend;
  layout: InputLayout[];
  /** Per argument: -1 for a tensor, else its array's length (fn sees the grouping, not just the flat inputs). */
  groups: number[];
  /**
   * Whether the backend is done with a call's arguments when it returns (it reads synchronously:
   * cpu, wasm), so a replay reuses one set of argument and view objects; WebGPU may hold them
   * until it encodes a fused chain, so it gets fresh ones per call.
   */
  reuse: boolean;
  inputs: number;
  ops: Op[];
  /** Buffers the replay allocates and nobody frees (each becomes an output's storage). */
  sizes: Map<number, { size: number; dtype: DType }>;
  /** Buffers allocated and still alive at the end that no output holds (state fn left on tensors, e.g. `.grad`). */
  stray: number[];
  outputs: OutputLeaf[];
  rebuild: (leaves: Tensor[]) => unknown;
}

/** What a recording wraps: every primitive but `random` (refused), and the optional index check. */
const RECORDED = [...PRIMITIVES.filter((p) => p !== 'random'), 'checkIndices'] as const;

/** What each unrepeatable call is, for the error. */
const REFUSED: Record<string, string> = {
  read: 'reads tensor values (dataSync, item, arraySync, data, or an op that needs them on the host)',
  readSync: 'reads tensor values (dataSync, item, arraySync, data, or an op that needs them on the host)',
  random: 'draws random numbers (rand, randn, dropout, ...): every replay would repeat the same ones',
  adam: 'steps an optimizer, whose state (the step count) a replay cannot advance: call optimizer.step() outside',
  sgd: "steps an optimizer, whose state (the first step's momentum) a replay cannot advance: call optimizer.step() outside",
  dispose: 'disposes a backend',
};

let capturing = false;

/**
 * Compiles `fn` for replay. The first call with inputs of a new layout (per argument: shape,
 * strides, offset, dtype, and which arguments share storage) runs fn as usual and records the
 * backend calls it makes; later calls replay them on the new inputs' buffers and return fresh
 * tensors shaped like fn's result (a tensor, or arrays/plain objects of tensors).
 *
 * fn must be a function of its arguments only, as for jax.jit: what it does in JavaScript (control
 * flow, counters, `.grad` assignments, the numbers it closes over) happens once, at the recording.
 * So it may not read tensor values, draw random numbers, step an optimizer (or keep any state it
 * updates in place), or use tensors it was not given and did not make (a closure's tensors: pass
 * them as arguments); each throws a `CompileError` naming the problem at the recording. Replayed results do not record autograd (their `requiresGrad` is false); take
 * gradients inside fn (`valueAndGrad`, or `backward()` and `.grad`) and return them.
 *
 * @example
 * ```ts
 * import { type Tensor, compile, matmul, sub, tensor } from '@nn/tensor';
 *
 * const step = compile((w: Tensor, x: Tensor) => sub(w, matmul(x, w).mul(0.1)));
 * let w = tensor([[1, 0], [0, 1]]);
 * for (let i = 0; i < 3; i++) w = step(w, tensor([[1, 2], [3, 4]])); // recorded once, replayed twice
 * ```
 */
export function compile<A extends CompileArg[], R>(fn: (...args: A) => R): (...args: A) => R {
  const plans: Plan[] = [];
  return (...args: A): R => {
    const inputs = flattenArgs(args);
    for (let i = 0; i < plans.length; i++) {
      if (sameGroups(plans[i].groups, args) && matches(plans[i].layout, inputs)) return replay(plans[i], inputs) as R;
    }
    const [result, plan] = record(fn, args, inputs, layoutOf(inputs));
    plans.push(plan);
    return result;
  };
}

function flattenArgs(args: readonly CompileArg[]): Tensor[] {
  const out: Tensor[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (isTensorValue(a)) out.push(a);
    else if (Array.isArray(a) && a.every(isTensorValue)) out.push(...a);
    else {
      const got = Array.isArray(a) ? 'an array with a non-tensor element' : a === null ? 'null' : typeof a;
      throw new CompileError(`compile: argument ${i} must be a tensor or an array of tensors, got ${got}`);
    }
  }
  for (const t of out) t._check('compile');
  return out;
}

/** The first input before `i` on the same storage as input i, or i. */
function aliasOf(inputs: Tensor[], i: number): number {
  const buffer = inputs[i].storage.buffer;
  for (let j = 0; j < i; j++) if (inputs[j].storage.buffer === buffer) return j;
  return i;
}

/** The inputs' layout and storage sharing (equal layouts: one recording serves both). */
function layoutOf(inputs: Tensor[]): InputLayout[] {
  return inputs.map((t, i) => ({
    backend: t.storage.backend,
    dtype: t.dtype,
    shape: t.shape,
    strides: t.strides,
    offset: t.offset,
    alias: aliasOf(inputs, i),
  }));
}

const sameDims = (a: readonly number[], b: readonly number[]): boolean => {
  if (a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
};

/** The first and last element a view touches in its buffer, or null when it has none. */
function extentOf(v: { shape: readonly number[]; strides: readonly number[]; offset: number }): [number, number] | null {
  let lo = v.offset;
  let hi = v.offset;
  for (let d = 0; d < v.shape.length; d++) {
    if (v.shape[d] === 0) return null;
    const reach = (v.shape[d] - 1) * v.strides[d];
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return [lo, hi];
}

const groupOf = (a: CompileArg): number => (Array.isArray(a) ? a.length : -1);

/** Whether args group their tensors as recorded: [a, b], [c] and [a], [b, c] flatten alike but fn sees them apart. */
function sameGroups(groups: readonly number[], args: readonly CompileArg[]): boolean {
  if (groups.length !== args.length) return false;
  for (let i = 0; i < args.length; i++) if (groups[i] !== groupOf(args[i])) return false;
  return true;
}

/** Whether inputs have the recorded layout (compared in place: a replay allocates no key). */
function matches(layout: InputLayout[], inputs: Tensor[]): boolean {
  if (layout.length !== inputs.length) return false;
  for (let i = 0; i < inputs.length; i++) {
    const l = layout[i];
    const t = inputs[i];
    if (
      t.storage.backend !== l.backend ||
      t.dtype !== l.dtype ||
      t.offset !== l.offset ||
      !sameDims(t.shape, l.shape) ||
      !sameDims(t.strides, l.strides) ||
      aliasOf(inputs, i) !== l.alias
    )
      return false;
  }
  return true;
}

function record<A extends CompileArg[], R>(fn: (...args: A) => R, args: A, inputs: Tensor[], layout: InputLayout[]): [R, Plan] {
  if (capturing) throw new CompileError('compile: a compiled function cannot be recorded inside another one');
  const backend = inputs.length > 0 ? inputs[0].storage.backend : getBackend();
  for (const t of inputs) {
    if (t.storage.backend !== backend) {
      throw new CompileError(`compile: every input must be on one backend; got '${backend.name}' and '${t.storage.backend.name}'`);
    }
  }
  const slots = new Map<unknown, number>();
  inputs.forEach((t, i) => {
    if (!slots.has(t.storage.buffer)) slots.set(t.storage.buffer, i);
  });
  // The elements of each input buffer the arguments cover: a view past them is a closure's tensor
  // sharing an argument's storage, which a replay would read from the new (maybe smaller) input.
  const covered = inputs.map((): [number, number] => [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  for (const t of inputs) {
    const e = extentOf(t);
    const c = covered[slots.get(t.storage.buffer)!];
    if (e !== null) [c[0], c[1]] = [Math.min(c[0], e[0]), Math.max(c[1], e[1])];
  }
  let next = inputs.length;
  const sizes = new Map<number, { size: number; dtype: DType }>();
  const live = new Set<number>();
  const steps: Step[] = [];
  let disposedOutside: string | null = null;
  /** Slots written in place (copyInto/addInto destinations): state fn updates, like an optimizer's. */
  const updated = new Set<number>();
  const leaves: Tensor[] = [];
  const slotOf = (buffer: unknown, what: string): number => {
    const s = slots.get(buffer);
    if (s === undefined) {
      throw new CompileError(
        `compile: fn ${what} a tensor it was neither given nor made (a closure's tensor, or a tensor kept from an earlier call); pass it as an argument`,
      );
    }
    return s;
  };
  const encode = (a: unknown, what: string): Arg => {
    if (a !== null && typeof a === 'object' && 'buffer' in a && 'shape' in a) {
      const v = a as View;
      const slot = slotOf(v.buffer, what);
      const e = slot < inputs.length ? extentOf(v) : null;
      if (e !== null && (e[0] < covered[slot][0] || e[1] > covered[slot][1])) {
        throw new CompileError(
          `compile: fn ${what} a tensor it was not given that shares storage with argument ${slot} (a closure's tensor, e.g. the one the argument was sliced from); pass it as an argument`,
        );
      }
      return { kind: 'view', slot, dtype: v.dtype, shape: v.shape, strides: v.strides, offset: v.offset };
    }
    return { kind: 'const', value: a };
  };
  const restore: (() => void)[] = [];
  const patch = (
    obj: Record<string, unknown>,
    name: string,
    wrap: (orig: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown,
  ) => {
    const orig = obj[name];
    if (typeof orig !== 'function') return;
    const own = Object.hasOwn(obj, name);
    obj[name] = wrap((orig as (...a: unknown[]) => unknown).bind(obj));
    restore.push(() => {
      if (own) obj[name] = orig;
      else delete obj[name];
    });
  };
  const refuse = (name: string) => () => {
    throw new CompileError(`compile: fn ${REFUSED[name]}; a replay could not repeat that`);
  };
  const b = backend as unknown as Record<string, unknown>;
  // A backend that validates indices by reading them (cpu, wasm) gets a checkIndices for the
  // recording, so ops check through a recorded call (repeated at each replay) instead of a read.
  if (backend.checkIndices === undefined && backend.readSync !== undefined) {
    b.checkIndices = hostCheckIndices(backend.readSync.bind(backend));
    restore.push(() => delete b.checkIndices);
  }
  patch(b, 'alloc', (orig) => (size, dtype) => {
    const buffer = orig(size, dtype);
    const slot = next++;
    slots.set(buffer, slot);
    sizes.set(slot, { size: size as number, dtype: dtype as DType });
    live.add(slot);
    steps.push({ kind: 'alloc', slot, size: size as number, dtype: dtype as DType });
    return buffer;
  });
  patch(b, 'free', (orig) => (buffer) => {
    const slot = slots.get(buffer);
    if (slot === undefined || slot < inputs.length) {
      // Refused once fn returns: throwing here would stop Tensor.dispose halfway (the tensor marked
      // disposed, its buffer, node and .grad never freed). The free goes through, as running fn does.
      disposedOutside ??=
        slot === undefined
          ? "disposed a tensor it was neither given nor made (a closure's tensor, or a .grad from an earlier step: zeroGrad() outside)"
          : 'disposed (the last view of) one of its inputs';
      return orig(buffer);
    }
    live.delete(slot);
    slots.delete(buffer);
    steps.push({ kind: 'free', slot });
    return orig(buffer);
  });
  patch(b, 'write', (orig) => (buffer, data) => {
    steps.push({ kind: 'write', slot: slotOf(buffer, 'writes to'), data: (data as DataArray).slice() });
    return orig(buffer, data);
  });
  patch(b, 'random', () => refuse('random'));
  patch(b, 'dispose', () => refuse('dispose'));
  const recordCall =
    (name: string, fused: boolean) =>
    (orig: (...a: unknown[]) => unknown) =>
    (...a: unknown[]) => {
      const args = a.map((x) => encode(x, 'uses'));
      if ((name === 'copyInto' || name === 'addInto') && args[0].kind === 'view') updated.add(args[0].slot);
      steps.push({ kind: 'call', name, fused, args });
      return orig(...a);
    };
  for (const name of RECORDED) patch(b, name, recordCall(name, false));
  const fused = backend.fused as unknown as Record<string, unknown>;
  for (const name of Object.keys(fused)) patch(fused, name, name in REFUSED ? () => refuse(name) : recordCall(name, true));
  // Reads on any backend make fn depend on values; calls on another backend would not be recorded.
  for (const other of listBackends()) {
    const o = getBackend(other) as unknown as Record<string, unknown>;
    patch(o, 'read', () => refuse('read'));
    patch(o, 'readSync', () => refuse('readSync'));
    if (o === b) continue;
    for (const name of ['alloc', 'write', ...RECORDED]) {
      patch(o, name, () => () => {
        throw new CompileError(
          `compile: fn uses backend '${other}' besides its inputs' '${backend.name}'; a compiled function runs on one backend`,
        );
      });
    }
  }
  // Host-side draws (randperm) upload their values and never call the backend's random: the
  // generator's state moving during fn is what tells.
  const rng = getRngState();
  capturing = true;
  let result: R;
  const outputs: OutputLeaf[] = [];
  let rebuild!: (leaves: Tensor[]) => unknown;
  try {
    result = tidy(() => {
      const r = fn(...args);
      if (r instanceof Promise) {
        r.catch(() => {}); // reported here, not again as an unhandled rejection
        throw new CompileError('compile: fn must be synchronous (it returned a Promise)');
      }
      const now = getRngState();
      if (now.counter !== rng.counter || now.key[0] !== rng.key[0] || now.key[1] !== rng.key[1]) refuse('random')();
      if (disposedOutside !== null) throw new CompileError(`compile: fn ${disposedOutside}; a replay would free the caller's tensor`);
      // Inside the scope: on a refusal it frees what fn made (wherever it sits in the result), never an input or a closure's tensor.
      rebuild = template(r, (t) => {
        leaves.push(t);
        outputs.push({ slot: slotOf(t.storage.buffer, 'returns'), dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset });
        return outputs.length - 1;
      });
      return r;
    });
  } finally {
    capturing = false;
    for (let i = restore.length - 1; i >= 0; i--) restore[i]();
  }
  const held = new Set(outputs.map((o) => o.slot));
  const stray = [...live].filter((s) => !held.has(s));
  // A buffer fn made, updated in place and kept outside its result (an optimizer's state, made at
  // its first step) would restart from its first value at every replay: refuse, not replay wrongly.
  // Its inputs' new .grad are kept too, but are never updated in place.
  const grads = new Set(inputs.map((t) => (t.grad === null ? -1 : slots.get(t.grad.storage.buffer))));
  if (stray.some((s) => updated.has(s) && !grads.has(s))) {
    for (const t of leaves) if (!inputs.includes(t)) t.dispose();
    throw new CompileError(
      "compile: fn updates in place a tensor it made and keeps outside its result (an optimizer's state, such as SGD's momentum or Adam's averages, made at its first step); a replay would restart it every time: call optimizer.step() outside, or pass the state in and return the new one",
    );
  }
  const reuse = backend.readSync !== undefined;
  return [
    result,
    {
      backend,
      layout,
      groups: args.map(groupOf),
      reuse,
      inputs: inputs.length,
      ops: steps.map((st) => toOp(backend, st)),
      sizes,
      stray,
      outputs,
      rebuild,
    },
  ];
}

/** A function that rebuilds `value`'s shape (tensors at the leaves) from a list of tensors. */
function template(value: unknown, leaf: (t: Tensor) => number, path = 'result'): (leaves: Tensor[]) => unknown {
  // The returned closures come from the helpers below: made here, they would share this scope's
  // context, which holds `leaf` and `value`, and so keep the recording (its inputs' and results'
  // buffers) alive as long as the compiled function.
  if (isTensorValue(value)) return pick(leaf(value));
  if (value === null || value === undefined) return constant(value);
  if (Array.isArray(value)) return rebuildArray(value.map((v, i) => template(v, leaf, `${path}[${i}]`)));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const keys = Object.keys(value);
    return rebuildObject(
      keys,
      keys.map((k) => template((value as Record<string, unknown>)[k], leaf, `${path}.${k}`)),
    );
  }
  throw new CompileError(`compile: fn must return tensors (alone, or in arrays and plain objects); ${path} is ${typeof value}`);
}

type Rebuild = (leaves: Tensor[]) => unknown;
const pick =
  (k: number): Rebuild =>
  (leaves) =>
    leaves[k];
const constant =
  (v: null | undefined): Rebuild =>
  () =>
    v;
const rebuildArray =
  (parts: Rebuild[]): Rebuild =>
  (leaves) =>
    parts.map((p) => p(leaves));
const rebuildObject =
  (keys: string[], parts: Rebuild[]): Rebuild =>
  (leaves) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) o[keys[i]] = parts[i](leaves);
    return o;
  };

/**
 * The contract's `checkIndices` for a backend with synchronous reads: reads the indices' view and
 * throws `error(value, position)` for the first one outside [0, bound) that is not `ignore`.
 */
function hostCheckIndices(readSync: NonNullable<Backend['readSync']>) {
  return (indices: View, bound: number, ignore: number | null, error: (value: number, position: number) => Error): void => {
    const { shape, strides, offset } = indices;
    let size = 1;
    let extent = offset + 1;
    for (let d = 0; d < shape.length; d++) {
      size *= shape[d];
      extent += (shape[d] - 1) * Math.max(strides[d], 0);
    }
    if (size === 0) return;
    const data = readSync(indices.buffer, 'int32', extent);
    const at = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < size; i++) {
      let k = offset;
      for (let d = 0; d < shape.length; d++) k += at[d] * strides[d];
      const v = data[k];
      if (v !== ignore && (v < 0 || v >= bound)) throw error(v, i);
      for (let d = shape.length - 1; d >= 0 && ++at[d] === shape[d]; d--) at[d] = 0;
    }
  };
}

/** Binds a recorded step to the backend's (unpatched) function. */
function toOp(be: Backend, st: Step): Op {
  if (st.kind === 'alloc') return { code: ALLOC, slot: st.slot, size: st.size, dtype: st.dtype };
  if (st.kind === 'free') return { code: FREE, slot: st.slot };
  if (st.kind === 'write') return { code: WRITE, slot: st.slot, data: st.data };
  const owner = (st.fused ? be.fused : be) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const fn =
    st.name === 'checkIndices' && be.checkIndices === undefined
      ? hostCheckIndices((be.readSync as NonNullable<Backend['readSync']>).bind(be))
      : owner[st.name];
  const call: Call = { fn: fn as (...a: unknown[]) => unknown, owner, args: [], views: [] };
  st.args.forEach((x, at) => {
    if (x.kind === 'view') {
      call.views.push({ at, slot: x.slot, view: { buffer: null, dtype: x.dtype, shape: x.shape, strides: x.strides, offset: x.offset } });
    }
    call.args.push(x.kind === 'const' ? x.value : null);
  });
  return { code: CALL, call };
}

/** fn.call with the arguments spelled out: `apply` with an array copies it into a new list per call. */
function invoke(fn: (...a: unknown[]) => unknown, owner: unknown, a: unknown[]): void {
  switch (a.length) {
    case 1:
      fn.call(owner, a[0]);
      break;
    case 2:
      fn.call(owner, a[0], a[1]);
      break;
    case 3:
      fn.call(owner, a[0], a[1], a[2]);
      break;
    case 4:
      fn.call(owner, a[0], a[1], a[2], a[3]);
      break;
    case 5:
      fn.call(owner, a[0], a[1], a[2], a[3], a[4]);
      break;
    case 6:
      fn.call(owner, a[0], a[1], a[2], a[3], a[4], a[5]);
      break;
    default:
      fn.apply(owner, a);
  }
}

function replay(plan: Plan, inputs: Tensor[]): unknown {
  // Its kernel calls would bypass the recording's hooks and be missing from the outer function's replays.
  if (capturing) throw new CompileError('compile: a compiled function cannot run while another one is being recorded');
  const be = plan.backend;
  const reuse = plan.reuse;
  const buffers: unknown[] = new Array(plan.sizes.size + plan.inputs);
  for (let i = 0; i < plan.inputs; i++) buffers[i] = inputs[i].storage.buffer;
  const ops = plan.ops;
  let i = 0;
  try {
    for (; i < ops.length; i++) {
      const op = ops[i];
      if (op.code === CALL) {
        const { fn, views } = op.call;
        const args = reuse ? op.call.args : op.call.args.slice();
        for (let k = 0; k < views.length; k++) {
          const { at, slot, view } = views[k];
          if (reuse) {
            view.buffer = buffers[slot];
            args[at] = view;
          } else args[at] = { ...view, buffer: buffers[slot] };
        }
        invoke(fn, op.call.owner, args);
        // Reused views must not hold this replay's buffers after it (cpu's are arrays: a step's memory).
        if (reuse) for (let k = 0; k < views.length; k++) views[k].view.buffer = null;
      } else if (op.code === ALLOC) buffers[op.slot] = be.alloc(op.size, op.dtype);
      else if (op.code === FREE) be.free(buffers[op.slot]);
      else be.write(buffers[op.slot], op.data);
    }
  } catch (e) {
    // Free what this replay allocated and had not freed yet.
    const live = new Set<number>();
    for (let k = 0; k < i; k++) {
      const op = ops[k];
      if (op.code === ALLOC) live.add(op.slot);
      else if (op.code === FREE) live.delete(op.slot);
    }
    for (const s of live) be.free(buffers[s]);
    throw e;
  }
  for (const s of plan.stray) be.free(buffers[s]);
  // One storage per output buffer, shared by the outputs that view it.
  const storages = new Map<number, Storage>();
  const leaves = plan.outputs.map((o) => {
    if (o.slot < plan.inputs) return makeView(inputs[o.slot], o.shape, o.strides, o.offset);
    let storage = storages.get(o.slot);
    if (storage === undefined) {
      const { size, dtype } = plan.sizes.get(o.slot)!;
      storage = new Storage(be, buffers[o.slot], dtype, size);
      storages.set(o.slot, storage);
    } else storage.retain();
    return newTensor(storage, o.shape, o.strides, o.offset, o.dtype);
  });
  return plan.rebuild(leaves);
}
