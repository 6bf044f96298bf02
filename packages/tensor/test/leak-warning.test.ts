/** A synchronous loop that forgets tidy() is told so, once, with the fix. */
import * as T from '@nn/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('growing live tensors', () => {
  afterEach(() => vi.restoreAllMocks());

  // This one runs first: the warning is shown once per process.
  it('a loop inside tidy, or disposing what it makes, does not warn', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const w = T.ones([4]);
    for (let step = 0; step < 20000; step++)
      T.tidy(() => {
        w.mul(2).add(1);
      });
    for (let step = 0; step < 20000; step++) {
      const a = w.mul(2);
      a.dispose();
    }
    expect(warn).not.toHaveBeenCalled();
  });
  it('a loop that keeps tensors alive without tidy warns once, naming tidy()', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const w = T.ones([4]);
    const kept: T.Tensor[] = [];
    for (let step = 0; step < 8000; step++) {
      const y = w.mul(2).add(1); // two tensors a step, never disposed
      if (step % 2 === 0) kept.push(y);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(
      /tensors created outside tidy\(\)\/scope\(\) are alive and their number keeps growing\. In a loop, wrap each step in tidy/,
    );
    for (let step = 0; step < 8000; step++) w.mul(2).add(1);
    expect(warn).toHaveBeenCalledTimes(1);
    for (const t of kept) t.dispose();
  });
});
