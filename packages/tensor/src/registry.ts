import type { Backend } from './backend/contract.js';
import { createCpuBackend } from './cpu/index.js';
import { BackendError } from './errors.js';
import { noteBackend } from './memory.js';
import { createReferenceBackend } from './reference/index.js';

const backends = new Map<string, Backend>();
let current: Backend | null = null;

/** Makes a backend available by its name. Backends that need async setup register once ready. */
export function registerBackend(backend: Backend): void {
  for (const d of ['float32', 'int32', 'bool'] as const) {
    if (!backend.dtypes.includes(d)) throw new BackendError(`registerBackend: backend '${backend.name}' must support dtype ${d}`);
  }
  backends.set(backend.name, backend);
  noteBackend(backend);
}

/**
 * The cpu backend compiles its kernels with `new Function`, which a Content-Security-Policy
 * without 'unsafe-eval' forbids (EvalError). Asked once, when the default backend is first needed.
 */
let evalAllowed: boolean | undefined;
function canCompile(): boolean {
  if (evalAllowed === undefined) {
    try {
      evalAllowed = new Function('return 1')() === 1;
    } catch {
      evalAllowed = false;
    }
  }
  return evalAllowed;
}

/**
 * Makes the default backend available: 'cpu', or where eval is forbidden the eval-free
 * 'reference' backend, which the name 'cpu' then also finds (so `t.to('cpu')` keeps working).
 */
function ensureCpu(): void {
  if (backends.has('cpu')) return;
  if (canCompile()) registerBackend(createCpuBackend());
  else if (!backends.has('reference')) registerBackend(createReferenceBackend());
}

/** A registered backend by name; 'cpu' falls back to 'reference' on pages where cpu cannot run. */
function find(name: string): Backend | undefined {
  ensureCpu();
  return backends.get(name) ?? (name === 'cpu' && !canCompile() ? backends.get('reference') : undefined);
}

/** Selects the backend new tensors are created on. */
export function setBackend(name: string): void {
  const b = find(name);
  if (b === undefined) {
    throw new BackendError(
      `setBackend: no backend named '${name}' is registered (registered: ${[...backends.keys()].join(', ')}); ` +
        `import its package and await its init first, e.g. \`await initWasm()\``,
    );
  }
  current = b;
}

/**
 * The backend new tensors are created on (cpu unless setBackend chose another; 'reference' on
 * pages whose Content-Security-Policy forbids eval), or a named one.
 */
export function getBackend(name?: string): Backend {
  if (name !== undefined) {
    const b = find(name);
    if (b === undefined) throw new BackendError(`getBackend: no backend named '${name}' (registered: ${[...backends.keys()].join(', ')})`);
    return b;
  }
  if (current === null) current = find('cpu')!;
  return current;
}

/** Names of the registered backends, in registration order (`cpu` is always there). */
export function listBackends(): string[] {
  ensureCpu();
  return [...backends.keys()];
}
