/**
 * Deterministic memory: buffers are ref-counted `Storage`s shared by tensor views; tensors are
 * freed by `dispose()`, `using`, or the scope (`tidy` / `scope`) they were created in. A
 * FinalizationRegistry frees storage of tensors that were dropped outside any scope, as a safety
 * net only.
 */
import type { Backend } from './backend/contract.js';
import type { DType } from './dtype.js';
import { bytesPerElement } from './dtype.js';
import { NNError } from './errors.js';
import type { GradNodeRef } from './hooks.js';
import type { Tensor } from './tensor.js';

export class Storage {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly buffer: unknown,
    readonly dtype: DType,
    readonly size: number,
  ) {}
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs === 0) this.backend.free(this.buffer);
  }
}

/** Autograd's internal shared references (views saved for backward), for leak diagnostics. */
export const untrackedCount = { n: 0 };

interface Counts {
  tensors: number;
  bytes: number;
}
const liveByBackend = new Map<string, Counts>();

// Every tensor's creation and disposal counts here, nearly always on the backend of the last one.
let lastBackend = '';
let lastCounts: Counts | null = null;

function counts(backend: string): Counts {
  if (backend === lastBackend && lastCounts !== null) return lastCounts;
  let c = liveByBackend.get(backend);
  if (c === undefined) liveByBackend.set(backend, (c = { tensors: 0, bytes: 0 }));
  lastBackend = backend;
  lastCounts = c;
  return c;
}

/** What {@link memory} reports. */
export interface MemorySummary {
  /** Live (undisposed) tensors across backends, including autograd's saved references. */
  tensors: number;
  /** Tensors autograd holds for backward (freed with the graph). */
  saved: number;
  /** Per backend: live tensors, and buffers/bytes the backend itself reports. */
  backends: Record<
    string,
    {
      /** Live tensors on this backend. */
      tensors: number;
      /** Buffers the backend reports. */
      buffers: number;
      /** Bytes the backend reports. */
      bytes: number;
    }
  >;
}

const backendsSeen = new Map<string, Backend>();

/** Live tensors and bytes per backend, for leak tests and diagnostics. */
export function memory(): MemorySummary {
  const out: MemorySummary = { tensors: 0, saved: untrackedCount.n, backends: {} };
  for (const [name, b] of backendsSeen) {
    const c = counts(name);
    const m = b.memory();
    out.tensors += c.tensors;
    out.backends[name] = { tensors: c.tensors, buffers: m.buffers, bytes: m.bytes };
  }
  return out;
}

/**
 * What the collector's safety net frees when a tensor outside any scope is dropped without
 * dispose: its storage and its graph node, so a forward pass that is never backwarded frees its
 * saved tensors (as PyTorch frees a graph whose output is unreachable). It must not reference the
 * tensor itself, or the tensor could never be collected.
 */
export interface Owned {
  storage: Storage;
  node: GradNodeRef | null;
  /** Created or kept outside any scope, so the collector's safety net covers it; scoped tensors never are. */
  collectable: boolean;
  /** Registered with the collector already (collectable tensors wait in `pending` first). */
  registered: boolean;
}

const registry = new FinalizationRegistry<Owned>((o) => {
  counts(o.storage.backend.name).tensors--;
  unscoped.live--;
  o.storage.release();
  const node = o.node;
  o.node = null;
  node?.release();
});

/**
 * Tensors outside any scope, to warn once when they keep piling up: a synchronous loop without
 * tidy() never yields to the event loop, so the safety net above cannot run and memory grows.
 */
const unscoped = { live: 0, created: 0, lastLive: 0, rises: 0, warned: false };
const LEAK_WINDOW = 1000;
const LEAK_RISES = 10;

/**
 * Collectable tensors not registered yet. Most are disposed within a step or two (a training loop's
 * parameters and their .grad, kept out of the step's tidy), and a registration and its
 * unregistration cost more than the op that made the tensor; so they are registered in batches,
 * once PENDING_MAX have piled up or on the next macrotask, skipping those disposed meanwhile.
 */
const pending: Tensor[] = [];
const PENDING_MAX = 256;
let flushScheduled = false;

function registerPending(): void {
  for (let i = 0; i < pending.length; i++) {
    const o = pending[i]._owned;
    if (o.collectable && !o.registered) {
      o.registered = true;
      registry.register(pending[i], o, pending[i]);
    }
  }
  pending.length = 0;
}

/** The macrotask flush: at most one is scheduled at a time. */
function flushPending(): void {
  flushScheduled = false;
  registerPending();
}

function adopt(t: Tensor): void {
  if (t._owned.collectable) return;
  t._owned.collectable = true;
  pending.push(t);
  if (pending.length >= PENDING_MAX) registerPending();
  else if (!flushScheduled) {
    flushScheduled = true;
    setTimeout(flushPending, 0);
  }
  unscoped.live++;
  if (++unscoped.created % LEAK_WINDOW !== 0 || unscoped.warned) return;
  unscoped.rises = unscoped.live > unscoped.lastLive ? unscoped.rises + 1 : 0;
  unscoped.lastLive = unscoped.live;
  if (unscoped.rises >= LEAK_RISES && unscoped.live >= LEAK_WINDOW) {
    unscoped.warned = true;
    console.warn(
      `@nn/tensor: ${unscoped.live} tensors created outside tidy()/scope() are alive and their number keeps growing. ` +
        'In a loop, wrap each step in tidy(() => { ... }) (or `await scope(async () => { ... })`), or dispose() what you no ' +
        'longer need; memory() shows live tensors. If you keep them on purpose, ignore this (shown once).',
    );
  }
}

function disown(t: Tensor): void {
  // Most tensors live in a scope and were never registered: skip the registry's lookup.
  if (!t._owned.collectable) return;
  t._owned.collectable = false;
  if (!t._owned.registered)
    unscoped.live--; // still pending: registerPending skips it
  else {
    t._owned.registered = false;
    if (registry.unregister(t)) unscoped.live--;
  }
}

// --- scopes -------------------------------------------------------------------------------

class Scope {
  readonly tensors: Tensor[] = [];
}

interface ScopeStack {
  scopes: Scope[];
}

const globalStack: ScopeStack = { scopes: [] };
/** Set once `scope()` first runs in an environment with AsyncLocalStorage (Node, Deno, Bun). */
let asyncStacks: { getStore(): ScopeStack | undefined; run<R>(s: ScopeStack, f: () => R): R } | null = null;
let asyncStacksTried = false;

function currentStack(): ScopeStack {
  return (asyncStacks !== null ? asyncStacks.getStore() : undefined) ?? globalStack;
}

/** Called by the Tensor constructor for every tensor handed to users. */
export function trackTensor(t: Tensor, backend: string): void {
  counts(backend).tensors++;
  const stack = currentStack().scopes;
  if (stack.length > 0) stack[stack.length - 1].tensors.push(t);
  else adopt(t);
}

/** Called by Tensor.dispose. */
export function untrackTensor(t: Tensor, backend: string): void {
  counts(backend).tensors--;
  disown(t);
}

/** Moves a live tensor's count from one backend to another (a tensor moved in place). */
export function retarget(from: string, to: string): void {
  counts(from).tensors--;
  counts(to).tensors++;
}

/** Records the backend instance registered under a name (a later registration replaces it). */
export function noteBackend(b: Backend): void {
  backendsSeen.set(b.name, b);
}

/** Collects the tensors inside a returned value (tensor, array, plain object, Map). */
function collect(value: unknown, into: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    into.add(value);
    if (value._tangent !== null) into.add(value._tangent); // a forward-mode tangent lives with its primal
    return;
  }
  if (value instanceof Map) for (const v of value.values()) collect(v, into, isTensor);
  else if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
    // Object.values also for arrays: its result always has one hidden class, whereas a caller's
    // arrays change theirs (V8's Array.prototype.map makes PACKED arrays, HOLEY ones once inlined),
    // and loads from such an array deopt this function (and closeScope) when they do.
    // An indexed loop: for-of allocates an iterator until V8 optimizes this (tidy runs it every step).
    const values = Object.values(value);
    for (let i = 0; i < values.length; i++) collect(values[i], into, isTensor);
  }
}

let isTensorFn: (v: unknown) => v is Tensor = (_v): _v is Tensor => false;
export function setTensorCheck(f: (v: unknown) => v is Tensor): void {
  isTensorFn = f;
}

function closeScope(stack: ScopeStack, scope: Scope, result: unknown): void {
  const top = stack.scopes.pop();
  if (top !== scope) throw new NNError('scope: scopes closed out of order (an un-awaited scope()?)');
  // Most scopes return nothing, a number or one tensor: no Set of kept tensors for those. (No
  // `result.length` test for []: a caller's arrays change hidden class, see collect.)
  let only: Tensor | null = null;
  let keep: Set<Tensor> | null = null;
  if (isTensorFn(result) && result._tangent === null) only = result;
  else if (result !== null && typeof result === 'object') collect(result, (keep = new Set<Tensor>()), isTensorFn);
  const parent = stack.scopes[stack.scopes.length - 1];
  const tensors = scope.tensors;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (t === only || keep?.has(t)) {
      if (parent !== undefined) parent.tensors.push(t);
      else if (!t.isDisposed) adopt(t);
    } else if (!t.isDisposed) t.dispose();
  }
}

/**
 * Runs fn and disposes every tensor it created, except those in its return value (a tensor, or
 * tensors inside arrays, plain objects and Maps). Synchronous: for async code use `scope`.
 */
export function tidy<R>(fn: () => R): R {
  const stack = currentStack();
  const scope = new Scope();
  stack.scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    closeScope(stack, scope, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    // The async fn runs on with its tensors disposed; swallow its rejection so the misuse is
    // reported once, here, and not again as an unhandled rejection that ends the process.
    result.catch(() => {});
    closeScope(stack, scope, undefined);
    throw new NNError('tidy: fn returned a Promise; use `await scope(async () => ...)` for async code');
  }
  closeScope(stack, scope, result);
  return result;
}

function initAsyncStacks(): void {
  asyncStacksTried = true;
  const proc = (globalThis as { process?: { getBuiltinModule?: (m: string) => any } }).process;
  const hooks = proc?.getBuiltinModule?.('node:async_hooks');
  if (hooks?.AsyncLocalStorage) asyncStacks = new hooks.AsyncLocalStorage();
}

/**
 * Async-safe scope: like `tidy`, but fn may be async. Where AsyncLocalStorage exists (Node),
 * concurrent scopes each track only their own tensors; in browsers scopes share one stack, so
 * run concurrent async scopes one at a time there.
 */
export async function scope<R>(fn: () => Promise<R> | R): Promise<R> {
  if (!asyncStacksTried) initAsyncStacks();
  const parentStack = currentStack();
  // Each async scope gets its own stack whose bottom is the parent's scopes (so kept tensors move up).
  const stack: ScopeStack = asyncStacks !== null ? { scopes: [...parentStack.scopes] } : parentStack;
  const own = new Scope();
  stack.scopes.push(own);
  const runIn = <T>(f: () => T): T => (asyncStacks !== null ? asyncStacks.run(stack, f) : f());
  let result: R;
  try {
    result = await runIn(fn);
  } catch (e) {
    closeScope(stack, own, undefined);
    throw e;
  }
  closeScope(stack, own, result);
  return result;
}

/** Removes a tensor from the scope that would dispose it, so it outlives the scope. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of currentStack().scopes) {
    const i = s.tensors.indexOf(t);
    if (i >= 0) {
      s.tensors.splice(i, 1);
      adopt(t);
    }
  }
  return t;
}

export function bytesOf(dtype: DType, size: number): number {
  return bytesPerElement(dtype) * size;
}
