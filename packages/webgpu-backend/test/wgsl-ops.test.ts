/**
 * The WGSL printer (no GPU needed): every op prints in f32, exactly the ops with an int32 form in
 * @nn/tensor's table print in i32 (the others raise a BackendError naming the op), and operands
 * are substituted everywhere. Numerics are checked on a device by kernels.test.ts and the
 * conformance suite.
 */
import { BackendError } from '@nn/tensor';
import { BINARY_OPS, FLOAT_ONLY, UNARY_OPS, definitionOf } from '@nn/tensor/backend';
import { describe, expect, it } from 'vitest';
import { mathPrelude } from '../src/wgsl/math.js';
import { WGSL_F32, WGSL_I32, wgslExpr } from '../src/wgsl/ops.js';

const OPS = [...UNARY_OPS, ...BINARY_OPS];

describe('WGSL forms printed from the op table', () => {
  it('int32 forms exist for exactly the ops the table defines on int32', () => {
    const withInt = OPS.filter((op) => definitionOf(op).int !== FLOAT_ONLY);
    expect(OPS.filter((op) => WGSL_I32[op] !== undefined)).toEqual(withInt);
    for (const op of OPS.filter((o) => !withInt.includes(o))) {
      expect(() => wgslExpr(op, 'i32')).toThrow(BackendError);
      expect(() => wgslExpr(op, 'i32')).toThrow(`'${op}' has no int32 form`);
    }
  });

  it('operands are substituted everywhere (no stray a or b)', () => {
    for (const op of OPS) {
      for (const t of ['f32', 'i32'] as const) {
        if (t === 'i32' && WGSL_I32[op] === undefined) continue;
        const code = wgslExpr(op, t, ['x_0', 'y_1']);
        expect(code, `${op}:${t}`).not.toMatch(/\b[ab]\b/);
        expect(code, `${op}:${t}`).toMatch(/x_0/);
      }
    }
  });

  it('f32 forms test NaN on the bits and call only library functions the prelude provides', () => {
    expect(WGSL_F32.ne).toBe('!(a == b)');
    expect(WGSL_F32.relu).toContain('nn_isnan(a)');
    for (const op of OPS) {
      const used = [...new Set(WGSL_F32[op].match(/\bnn_[a-z0-9_]+/g) ?? [])];
      const prelude = mathPrelude(WGSL_F32[op]);
      for (const name of used) expect(prelude, `${op}: ${name}`).toContain(`fn ${name}(`);
    }
  });
});
