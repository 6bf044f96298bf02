// The backward of linear's activation and bias (the contract's optional `linearGrad`), over
// columns [lo, hi) of contiguous float32 g and y [M, N] (row stride N): ga = g * act'(y), one
// float32 operation at a time in the composed ops' order (plain mul/sub, no fused multiply-add),
// and, when dbias is not 0, dbias[j] = column j of ga summed in row order in float64 (as `reduce`
// sums), with scratch holding hi - lo f64 accumulators. act: 1 relu, 2 tanh, 3 sigmoid.

const RELU = 1;
const TANH = 2;

function gradV(act: i32, g: v128, y: v128): v128 {
  if (act === RELU) return v128.and(g, f32x4.gt(y, f32x4.splat(0)));
  const one = f32x4.splat(1);
  if (act === TANH) return f32x4.mul(g, f32x4.sub(one, f32x4.mul(y, y)));
  return f32x4.mul(g, f32x4.mul(y, f32x4.sub(one, y)));
}

function gradS(act: i32, g: f32, y: f32): f32 {
  if (act === RELU) return y > 0 ? g : 0;
  if (act === TANH) return g * (<f32>1 - y * y);
  return g * (y * (<f32>1 - y));
}

export function linearGrad(g: usize, y: usize, ga: usize, dbias: usize, M: i32, N: i32, lo: i32, hi: i32, act: i32, scratch: usize): void {
  const n = hi - lo;
  const sums = dbias !== 0;
  if (sums) memory.fill(scratch, 0, (<usize>n) << 3);
  for (let i = 0; i < M; i++) {
    const row = (<usize>i * <usize>N + <usize>lo) << 2;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = row + ((<usize>j) << 2);
      const v = gradV(act, v128.load(g + o), v128.load(y + o));
      v128.store(ga + o, v);
      if (sums) {
        const s = scratch + ((<usize>j) << 3);
        v128.store(s, f64x2.add(v128.load(s), f64x2.promote_low_f32x4(v)));
        v128.store(s, f64x2.add(v128.load(s, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
      }
    }
    for (; j < n; j++) {
      const o = row + ((<usize>j) << 2);
      const v = gradS(act, load<f32>(g + o), load<f32>(y + o));
      store<f32>(ga + o, v);
      if (sums) {
        const s = scratch + ((<usize>j) << 3);
        store<f64>(s, load<f64>(s) + <f64>v);
      }
    }
  }
  if (!sums) return;
  for (let j = 0; j < n; j++) store<f32>(dbias + ((<usize>(lo + j)) << 2), <f32>load<f64>(scratch + ((<usize>j) << 3)));
}
