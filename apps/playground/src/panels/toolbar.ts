/**
 * Play / pause / step / reset, the epoch counter, and the backend choice: every backend is listed,
 * an unavailable one disabled with the reason the worker gave.
 */
import { BACKENDS, type BackendName, keysOf } from '../config.js';
import { byId, el } from '../dom.js';
import type { BackendStatus, Reply } from '../protocol.js';

export interface ToolbarActions {
  play(): void;
  pause(): void;
  step(): void;
  reset(): void;
  backend(name: BackendName): void;
}

type State = Extract<Reply, { type: 'state' }>;

export interface Toolbar {
  setBackends(status: Record<BackendName, BackendStatus>): void;
  setState(s: State): void;
  setBackend(name: BackendName): void;
  setEpoch(epoch: number): void;
}

export function toolbar(actions: ToolbarActions): Toolbar {
  const play = byId<HTMLButtonElement>('play');
  const select = byId<HTMLSelectElement>('backend');
  const reasons = byId('backend-status');
  const epoch = byId('epoch');
  const note = byId('status');
  let running = false;
  play.addEventListener('click', () => (running ? actions.pause() : actions.play()));
  byId('step').addEventListener('click', () => actions.step());
  byId('reset').addEventListener('click', () => actions.reset());
  select.addEventListener('change', () => actions.backend(select.value as BackendName));
  select.replaceChildren(...keysOf(BACKENDS).map((b) => el('option', { value: b, disabled: b !== 'cpu' }, `${BACKENDS[b]} (checking…)`)));
  return {
    setBackends(status) {
      for (const option of Array.from(select.options)) {
        const s = status[option.value as BackendName];
        option.disabled = !s.ok;
        option.textContent = `${BACKENDS[option.value as BackendName]}${s.ok ? '' : ' (unavailable)'}`;
        option.title = s.detail;
      }
      reasons.replaceChildren(
        ...keysOf(status).map((b) =>
          el(
            'li',
            { class: status[b].ok ? 'ok' : 'unavailable', 'data-backend': b },
            `${b}: ${status[b].ok ? '✓' : '✗'} ${status[b].detail}`,
          ),
        ),
      );
    },
    setState(s) {
      running = s.state === 'running';
      play.textContent = running ? '⏸ Pause' : '▶ Play';
      play.classList.toggle('running', running);
      play.disabled = s.state === 'done';
      byId<HTMLButtonElement>('step').disabled = s.state === 'done';
      note.textContent = `${s.state}${s.note ? ` · ${s.note}` : ''}`;
      note.dataset.state = s.state;
      select.value = s.backend;
    },
    setBackend(name) {
      select.value = name;
    },
    setEpoch(n) {
      epoch.textContent = String(n).padStart(3, '0');
    },
  };
}
