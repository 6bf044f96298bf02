/** An Io that records everything the demo writes (stdout lines, error lines, the progress stream). */
import { Writable } from 'node:stream';
import type { Io } from '../src/ui.js';

export function capture(): Io & { stdout: string[]; stderrLines: string[]; stderrText: () => string } {
  const stdout: string[] = [];
  const stderrLines: string[] = [];
  const chunks: string[] = [];
  const stderr = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stdout,
    stderrLines,
    stderr,
    stderrIsTTY: false,
    out: (l) => stdout.push(l),
    err: (l) => stderrLines.push(l),
    stderrText: () => chunks.join(''),
  };
}
