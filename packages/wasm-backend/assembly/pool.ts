// Max pooling's argmax (the contract's fused poolArgmax) over f32 planes.
//
// x is [N, C, H, W] with byte strides (sn, sc, sh, sw); out is int32 [N * C, OH, OW], contiguous.
// Each output is h * W + w of its window's first maximum in row-major order; a NaN wins unless
// the best so far is already NaN (so the first NaN wins), as the composed argmax steps decide.

/** Planes [p0, p1) (plane = n * C + c). */
export function poolArgmax(
  x: usize,
  sn: isize,
  sc: isize,
  sh: isize,
  sw: isize,
  C: i32,
  W: i32,
  OH: i32,
  OW: i32,
  kh: i32,
  kw: i32,
  s0: i32,
  s1: i32,
  d0: i32,
  d1: i32,
  out: usize,
  p0: i32,
  p1: i32,
): void {
  let o = out + ((<usize>(p0 * OH * OW)) << 2);
  const pair = kh === 2 && kw === 2 && s0 === 2 && s1 === 2 && d0 === 1 && d1 === 1 && sw === 4;
  for (let p = p0; p < p1; p++) {
    const n = p / C;
    const c = p - n * C;
    const plane = x + <usize>(<isize>n * sn + <isize>c * sc);
    for (let i = 0; i < OH; i++) {
      let j = 0;
      if (pair) {
        j = pairs(plane + <usize>(<isize>(2 * i) * sh), sh, 2 * i * W, W, OW, o);
        o += (<usize>j) << 2;
      }
      for (; j < OW; j++) {
        const h0 = i * s0;
        const w0 = j * s1;
        let best = load<f32>(plane + <usize>(<isize>h0 * sh + <isize>w0 * sw));
        let at = h0 * W + w0;
        for (let a = 0; a < kh; a++) {
          const h = h0 + a * d0;
          const row = plane + <usize>(<isize>h * sh);
          for (let e = a === 0 ? 1 : 0; e < kw; e++) {
            const col = w0 + e * d1;
            const v = load<f32>(row + <usize>(<isize>col * sw));
            if (best === best && (v > best || v !== v)) {
              best = v;
              at = h * W + col;
            }
          }
        }
        store<i32>(o, at);
        o += 4;
      }
    }
  }
}

/** Lanes where candidate v replaces the best so far: that is not NaN, and v is larger or NaN. */
function better(best: v128, v: v128): v128 {
  return v128.and(f32x4.eq(best, best), v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
}

/**
 * 2x2 windows with stride 2 over contiguous rows: four outputs per step from two rows of eight
 * pixels, the candidates taken in the window's row-major order. Returns the outputs done.
 */
function pairs(row: usize, sh: isize, base: i32, W: i32, OW: i32, o: usize): i32 {
  let j = 0;
  for (; j + 4 <= OW; j += 4) {
    const top = row + ((<usize>(2 * j)) << 2);
    const bot = top + <usize>sh;
    const t0 = v128.load(top);
    const t1 = v128.load(top, 16);
    const b0 = v128.load(bot);
    const b1 = v128.load(bot, 16);
    const i0 = i32x4.add(i32x4.splat(base + 2 * j), i32x4(0, 2, 4, 6));
    let best = i32x4.shuffle(t0, t1, 0, 2, 4, 6);
    let at = i0;
    let v = i32x4.shuffle(t0, t1, 1, 3, 5, 7);
    let take = better(best, v);
    best = v128.bitselect(v, best, take);
    at = v128.bitselect(i32x4.add(i0, i32x4.splat(1)), at, take);
    v = i32x4.shuffle(b0, b1, 0, 2, 4, 6);
    take = better(best, v);
    best = v128.bitselect(v, best, take);
    at = v128.bitselect(i32x4.add(i0, i32x4.splat(W)), at, take);
    v = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
    take = better(best, v);
    at = v128.bitselect(i32x4.add(i0, i32x4.splat(W + 1)), at, take);
    v128.store(o + ((<usize>j) << 2), at);
  }
  return j;
}
