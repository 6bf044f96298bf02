/** PyTorch-style printing: tensor([[1.0000, 2.5000], [3.0000, 4.0000]]). */
import type { DataArray, DType } from './dtype.js';

const EDGE = 3;
const THRESHOLD = 1000;

function floatFormatter(values: number[]): (v: number) => string {
  const finite = values.filter(Number.isFinite);
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (finite.every(Number.isInteger)) {
    const big = finite.some((v) => Math.abs(v) >= 1e8);
    return (v) => (!Number.isFinite(v) ? special(v) : big ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : `${v}.`);
  }
  const abs = finite.map(Math.abs).filter((v) => v > 0);
  const maxA = abs.length ? Math.max(...abs) : 0;
  const minA = abs.length ? Math.min(...abs) : 0;
  const sci = maxA >= 1e8 || (minA > 0 && minA < 1e-4) || (minA > 0 && maxA / minA > 1e3 && maxA >= 1e3);
  return (v) => {
    if (!Number.isFinite(v)) return special(v);
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
    return v.toFixed(4);
  };
}

/** PyTorch-style text of a tensor's values (`tensor([[1., 2.], ...])`, summarised when large); what `t.toString()` prints. */
export function formatTensor(shape: readonly number[], dtype: DType, data: DataArray, requiresGrad: boolean): string {
  const summarize = data.length > THRESHOLD;
  const shown: number[] = [];
  collect(shape, data, 0, 0, summarize, shown);
  const fmt =
    dtype === 'bool' ? (v: number) => (v ? 'True' : 'False') : dtype === 'int32' ? (v: number) => String(v) : floatFormatter(shown);
  const width = Math.max(0, ...shown.map((v) => fmt(v).length));
  const pad = (v: number) => fmt(v).padStart(width);
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const render = (d: number, base: number, indent: number): string => {
    if (d === shape.length) return pad(data[base]);
    const n = shape[d];
    const idx = summarize && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    const parts = idx.map((i) => (i < 0 ? '...' : render(d + 1, base + i * strides[d], indent + 1)));
    if (d === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = `,${'\n'.repeat(shape.length - d - 1)}${' '.repeat(indent + 1)}`;
    return `[${parts.join(sep)}]`;
  };
  const body = render(0, 0, 'tensor('.length);
  const extras: string[] = [];
  if (data.length === 0) extras.push(`size=[${shape.join(', ')}]`);
  // float32 and bool are what JS numbers and booleans make, so only other dtypes are named.
  if (dtype !== 'float32' && dtype !== 'bool') extras.push(`dtype=${dtype}`);
  if (requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.map((e) => `, ${e}`).join('')})`;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

function collect(shape: readonly number[], data: DataArray, d: number, base: number, summarize: boolean, out: number[]): void {
  if (d === shape.length) {
    out.push(data[base]);
    return;
  }
  let stride = 1;
  for (let i = d + 1; i < shape.length; i++) stride *= shape[i];
  const n = shape[d];
  const idx = summarize && n > 2 * EDGE ? [...range(0, EDGE), ...range(n - EDGE, n)] : range(0, n);
  for (const i of idx) collect(shape, data, d + 1, base + i * stride, summarize, out);
}
