import type { Backend } from './backend/contract.js';
import { createCpuBackend } from './cpu/index.js';
import { BackendError } from './errors.js';
import { noteBackend } from './memory.js';

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

function ensureCpu(): void {
  if (!backends.has('cpu')) registerBackend(createCpuBackend());
}

/** Selects the backend new tensors are created on. */
export function setBackend(name: string): void {
  ensureCpu();
  const b = backends.get(name);
  if (b === undefined) {
    throw new BackendError(
      `setBackend: no backend named '${name}' is registered (registered: ${[...backends.keys()].join(', ')}); ` +
        `import its package and await its init first, e.g. \`await initWasm()\``,
    );
  }
  current = b;
}

/** The backend new tensors are created on (cpu unless setBackend chose another), or a named one. */
export function getBackend(name?: string): Backend {
  if (name !== undefined) {
    ensureCpu();
    const b = backends.get(name);
    if (b === undefined) throw new BackendError(`getBackend: no backend named '${name}' (registered: ${[...backends.keys()].join(', ')})`);
    return b;
  }
  if (current === null) {
    ensureCpu();
    current = backends.get('cpu')!;
  }
  return current;
}

export function listBackends(): string[] {
  ensureCpu();
  return [...backends.keys()];
}
