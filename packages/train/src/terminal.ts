/**
 * fit's default terminal progress bar, loaded from '@nn/train/node' at run time through a
 * specifier held in a variable: bundlers (esbuild, Vite, webpack) do not follow it, so browser
 * bundles of the main entry never contain cli-progress. fit only asks for it in Node.
 */
import { ValueRangeError } from '@nn/tensor';
import type { Callback } from './callbacks.js';

/** Whether stderr is a terminal (false outside Node). */
export function stderrIsTTY(): boolean {
  const p = (globalThis as { process?: { stderr?: { isTTY?: boolean } } }).process;
  return p?.stderr?.isTTY === true;
}

export async function terminalProgressBar(): Promise<Callback> {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (p?.versions?.node === undefined) {
    throw new ValueRangeError(
      'fit: progress: true draws a terminal progress bar, which needs Node; in a page leave progress unset and pass callbacks (e.g. new ProgressEvents(e => ...))',
    );
  }
  const entry = '@nn/train/node';
  const { ProgressBar } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ entry)) as typeof import('./node.js');
  return new ProgressBar();
}
