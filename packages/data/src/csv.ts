/** CSV reader: numeric tables into a feature tensor and an optional label tensor. */
import { type Tensor, ValueRangeError, tensor } from '@nn/tensor';
import { type ByteSource, DataFormatError, maybeGunzip, readBytes } from './source.js';

/** Options of {@link readCsv} and {@link parseCsv}. */
export interface CsvOptions {
  /** Whether the first line (after skipLines) holds column names. 'auto' (default): it does if a field is not a number where the next line has one. */
  header?: boolean | 'auto';
  /** Feature columns, by name (needs a header) or 0-based index (negative counts from the end). Default: every column except the label. */
  columns?: readonly (string | number)[];
  /** The label column, by name or 0-based index (-1 = last). Default: none (y is null). */
  labelColumn?: string | number;
  /** Field separator, one character (default ','). */
  delimiter?: string;
  /** Lines to skip before the header / first row (default 0); they still count in line numbers. */
  skipLines?: number;
  /** dtype of x (default 'float32'). */
  dtype?: Dtype;
  /** dtype of y (default: int32 if every label is an integer or labels are names, else float32). */
  labelDtype?: Dtype;
  /**
   * readCsv only: the most bytes of CSV text it accepts, after decompressing a .gz (default
   * 536,870,888: the longest string V8 can hold, so larger text could not be parsed anyway).
   */
  maxBytes?: number;
}

/** What {@link readCsv} returns. */
export interface CsvData {
  /** Features, [rows, columns.length]. */
  x: Tensor;
  /** Labels, [rows], or null without labelColumn. */
  y: Tensor | null;
  /** Names of x's columns (0-based indices as strings when there is no header). */
  columns: string[];
  /** Name of the label column, or null. */
  label: string | null;
  /** For non-numeric labels: the sorted class names; y holds indices into this list. Else null. */
  classes: string[] | null;
}

/** What readCsv reads: a path or URL, bytes (gzipped or not), or CSV text (a string with a line break). */
export type CsvSource = ByteSource;

const QUOTE = 34;
const LF = 10;
const CR = 13;

function fail(message: string): never {
  throw new DataFormatError(`readCsv: ${message}`);
}

/**
 * Plain decimal numbers with an optional exponent. Number() alone would also read '0x10', '0b1', '0o7'
 * and '' or whitespace (as 0), silently turning typos and missing values into data.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_A_NUMBER = '(expected a decimal number such as 3, -1.5 or 2e-3, or nan / inf)';

/** A number, or undefined when the text is not one: a plain decimal (see DECIMAL), nan or inf. */
function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (DECIMAL.test(t)) return Number(t);
  switch (t.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
  }
  return undefined;
}

type Dtype = 'float32' | 'float64' | 'int32';

/** Why `v` (read from `text`) cannot be stored as `dtype` (int32 would wrap, floats overflow to inf), or undefined when it can. */
function misfit(v: number, text: string, dtype: Dtype): string | undefined {
  if (dtype === 'int32') {
    if (!Number.isInteger(v)) return 'is not an integer';
    if (v < -2147483648 || v > 2147483647) return 'is outside the int32 range -2147483648 to 2147483647';
  } else if (!Number.isFinite(dtype === 'float32' ? Math.fround(v) : v) && DECIMAL.test(text.trim())) {
    return `is outside the ${dtype} range (about ±${dtype === 'float32' ? '3.4e38' : '1.8e308'})`;
  }
  return undefined;
}

/** A record's fields and the 1-based line it starts on. */
interface CsvRecord {
  fields: string[];
  line: number;
}

/** RFC 4180 records: quoted fields may hold delimiters, line breaks and doubled quotes. */
function parseRecords(text: string, start: number, firstLine: number, delim: number): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = start;
  let line = firstLine;
  while (i < n) {
    const recLine = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text.charCodeAt(i) === QUOTE) {
        const openLine = line;
        i++;
        field = '';
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) fail(`line ${openLine}, column ${fields.length + 1}: a quoted field is never closed (missing '"')`);
          const chunk = text.slice(i, q);
          for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) line++;
          field += chunk;
          if (text.charCodeAt(q + 1) === QUOTE) {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        const c = text.charCodeAt(i);
        if (i < n && c !== delim && c !== LF && c !== CR) {
          fail(
            `line ${line}, column ${fields.length + 1}: unexpected '${text[i]}' after a closing quote (quote the whole field, doubling inner quotes)`,
          );
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === delim || c === LF || c === CR) break;
          j++;
        }
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === delim) {
        i++;
        continue;
      }
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    records.push({ fields, line: recLine });
  }
  return records;
}

const isBlank = (r: readonly string[]): boolean => r.length === 1 && r[0]?.trim() === '';

/** Parses CSV text (synchronous); see `readCsv` for the options and errors. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvData {
  const { header = 'auto', delimiter = ',', skipLines = 0, dtype = 'float32' } = options;
  if (typeof text !== 'string') throw new ValueRangeError('parseCsv: text must be a string');
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ValueRangeError(
      `readCsv: delimiter must be a single character other than '"' and line breaks, got ${JSON.stringify(delimiter)}`,
    );
  }
  if (!Number.isInteger(skipLines) || skipLines < 0)
    throw new ValueRangeError(`readCsv: skipLines must be a non-negative integer, got ${String(skipLines)}`);
  if (header !== true && header !== false && header !== 'auto')
    throw new ValueRangeError(`readCsv: header must be true, false or 'auto', got ${String(header)}`);
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32')
    throw new ValueRangeError(`readCsv: dtype must be 'float32', 'float64' or 'int32', got ${String(dtype)}`);

  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let s = 0; s < skipLines && start < text.length; s++) {
    let j = start;
    while (j < text.length && text.charCodeAt(j) !== LF && text.charCodeAt(j) !== CR) j++;
    start = j + (text.charCodeAt(j) === CR && text.charCodeAt(j + 1) === LF ? 2 : 1);
  }
  const records = parseRecords(text, start, skipLines + 1, delimiter.charCodeAt(0));
  // Trailing blank lines are allowed; blank lines elsewhere are errors (below).
  const end = records.findLastIndex((r) => !isBlank(r.fields)) + 1;
  const head = records[0];
  if (end === 0 || head === undefined) fail(skipLines > 0 ? `no data after skipping ${skipLines} lines` : 'the input is empty');

  const first = head.fields;
  const ncols = first.length;
  let hasHeader: boolean;
  if (header === 'auto') {
    const second = end > 1 ? records[1]?.fields : undefined;
    hasHeader =
      second !== undefined
        ? first.some((f, j) => {
            const below = second[j];
            return parseNumber(f) === undefined && below !== undefined && parseNumber(below) !== undefined;
          })
        : first.some((f) => parseNumber(f) === undefined);
  } else hasHeader = header;
  const names = hasHeader ? first.map((f) => f.trim()) : Array.from({ length: ncols }, (_, j) => String(j));

  const resolve = (spec: string | number, what: string): number => {
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec < -ncols || spec >= ncols) {
        throw new ValueRangeError(
          `readCsv: ${what} ${spec} is out of range for ${ncols} columns (valid: 0 to ${ncols - 1}, or -1 to -${ncols} from the end)`,
        );
      }
      return spec < 0 ? spec + ncols : spec;
    }
    if (typeof spec !== 'string')
      throw new ValueRangeError(`readCsv: ${what} must be a column name or a 0-based index, got ${String(spec)}`);
    if (!hasHeader) throw new ValueRangeError(`readCsv: ${what} '${spec}' is a name, but the CSV has no header line; use a 0-based index`);
    const j = names.indexOf(spec);
    if (j < 0) throw new ValueRangeError(`readCsv: ${what} '${spec}' not found; the columns are ${names.map((s) => `'${s}'`).join(', ')}`);
    return j;
  };
  // Resolved column indices are below ncols, which is names.length and (checked below) every record's length.
  const labelIdx = options.labelColumn === undefined ? -1 : resolve(options.labelColumn, 'labelColumn');
  let featIdx: number[];
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns)) throw new ValueRangeError('readCsv: columns must be an array of column names or indices');
    featIdx = options.columns.map((c) => resolve(c, 'column'));
  } else featIdx = Array.from({ length: ncols }, (_, j) => j).filter((j) => j !== labelIdx);

  const data = records.slice(hasHeader ? 1 : 0, end);
  const rows = data.length;
  const nf = featIdx.length;
  const X = dtype === 'float64' ? new Float64Array(rows * nf) : dtype === 'int32' ? new Int32Array(rows * nf) : new Float32Array(rows * nf);
  const cellName = (line: number, j: number): string => `line ${line}, column ${j + 1}${hasHeader ? ` ('${names[j]}')` : ''}`;
  const numbers = labelIdx >= 0 ? new Float64Array(rows) : null;
  let categories: string[] | null = null;
  let labelsAreInts = true;
  let at = 0; // the next element of X
  for (const [r, { fields: rec, line }] of data.entries()) {
    if (rec.length !== ncols) {
      if (isBlank(rec)) fail(`line ${line} is empty (expected ${ncols} fields)`);
      fail(`line ${line} has ${rec.length} field${rec.length === 1 ? '' : 's'}, expected ${ncols} (as in line ${head.line})`);
    }
    for (const j of featIdx) {
      const cell = rec[j]!;
      const v = parseNumber(cell);
      if (v === undefined) fail(`${cellName(line, j)}: '${cell}' is not a number ${NOT_A_NUMBER}`);
      const why = misfit(v, cell, dtype);
      if (why !== undefined) fail(`${cellName(line, j)}: '${cell}' ${why} (dtype '${dtype}')`);
      X[at++] = v;
    }
    if (numbers !== null) {
      const s = rec[labelIdx]!;
      // An empty label is a missing value, not a class named ''.
      if (s.trim() === '') fail(`${cellName(line, labelIdx)}: the label is empty (every row needs a number or a class name)`);
      const v = categories === null ? parseNumber(s) : undefined;
      if (r === 0 && v === undefined) categories = [];
      if (categories !== null) categories.push(s.trim());
      else if (v === undefined) fail(`${cellName(line, labelIdx)}: '${s}' is not a number ${NOT_A_NUMBER}; the labels above are numbers`);
      else {
        numbers[r] = v;
        if (!Number.isInteger(v)) labelsAreInts = false;
      }
    }
  }

  let y: Tensor | null = null;
  let classes: string[] | null = null;
  const labelDtype = options.labelDtype;
  if (labelDtype !== undefined && labelDtype !== 'float32' && labelDtype !== 'float64' && labelDtype !== 'int32') {
    throw new ValueRangeError(`readCsv: labelDtype must be 'float32', 'float64' or 'int32', got ${String(labelDtype)}`);
  }
  if (numbers !== null) {
    if (categories !== null) {
      classes = [...new Set(categories)].sort();
      const index = new Map(classes.map((c, i) => [c, i]));
      for (const [r, c] of categories.entries()) numbers[r] = index.get(c)!;
      labelsAreInts = true;
    }
    const ld = labelDtype ?? (labelsAreInts ? 'int32' : 'float32');
    // Numeric labels the dtype cannot hold (numbers has one value per data row).
    if (categories === null) {
      for (let r = 0; r < rows; r++) {
        const { fields, line } = data[r]!;
        const text = fields[labelIdx]!;
        const why = misfit(numbers[r]!, text, ld);
        if (why === undefined) continue;
        const hint = ld === 'float64' ? '' : "; labelDtype 'float64' holds it";
        fail(
          `${cellName(line, labelIdx)}: label '${text}' ${why} (labelDtype '${ld}'${labelDtype === undefined ? ', inferred' : ''})${hint}`,
        );
      }
    }
    y = tensor(ld === 'int32' ? Int32Array.from(numbers) : ld === 'float64' ? numbers : Float32Array.from(numbers));
  }
  const x = tensor(X, { shape: [rows, nf] });
  return { x, y, columns: featIdx.map((j) => names[j]!), label: labelIdx >= 0 ? names[labelIdx]! : null, classes };
}

/**
 * Reads a numeric CSV table: `readCsv(source, { header, columns, labelColumn, delimiter, skipLines, dtype })`
 * gives `{ x, y, columns, label, classes }`. The source is a path or URL (gzipped files are detected),
 * bytes, or CSV text (any string containing a line break; use `parseCsv` for one-line text).
 * Quoted fields (RFC 4180) may contain delimiters, line breaks and doubled quotes; a trailing empty
 * line is fine. Cells are plain decimal numbers (`-1.5`, `2e-3`) or nan / inf; hex, empty cells and
 * empty labels are errors, as are values the dtype cannot hold (int32 beyond ±2^31). Errors name the 1-based line (counting skipped and header lines) and column:
 * `readCsv: line 7, column 3 ('petal_length'): 'abc' is not a number`, or for a ragged row
 * `readCsv: line 5 has 3 fields, expected 4 (as in line 1)`.
 */
export async function readCsv(source: CsvSource, options: CsvOptions = {}): Promise<CsvData> {
  const { maxBytes = MAX_CSV_BYTES } = options;
  if (!(Number.isInteger(maxBytes) && maxBytes > 0) && maxBytes !== Number.POSITIVE_INFINITY) {
    throw new ValueRangeError(`readCsv: maxBytes must be a positive integer or Infinity, got ${maxBytes}`);
  }
  if (typeof source === 'string' && /[\r\n]/.test(source)) return parseCsv(source, options);
  const bytes = await maybeGunzip('readCsv', await readBytes('readCsv', source), maxBytes);
  if (bytes.byteLength > maxBytes) {
    throw new DataFormatError(
      `readCsv: the CSV text has ${bytes.byteLength.toLocaleString('en-US')} bytes, more than maxBytes = ${maxBytes.toLocaleString('en-US')}`,
    );
  }
  return parseCsv(new TextDecoder().decode(bytes), options);
}

/** V8's longest string (2^29 - 24 characters): CSV text beyond it cannot be decoded into one string. */
const MAX_CSV_BYTES = 2 ** 29 - 24;
