import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DataFormatError, parseCsv, readCsv } from '@nn/data';
import { afterAll, describe, expect, it } from 'vitest';

const IRIS = `sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,0
4.9,3.0,1.4,0.2,0
7.0,3.2,4.7,1.4,1
6.4,3.2,4.5,1.5,1
6.3,3.3,6.0,2.5,2
5.8,2.7,5.1,1.9,2
`;

const dir = mkdtempSync(join(tmpdir(), 'nn-data-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readCsv', () => {
  it('reads a file with a header and a label column', async () => {
    const path = join(dir, 'iris.csv');
    writeFileSync(path, IRIS);
    const { x, y, columns, label, classes } = await readCsv(path, { labelColumn: 'species' });
    expect(x.shape).toEqual([6, 4]);
    expect(x.dtype).toBe('float32');
    expect(columns).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(label).toBe('species');
    expect(classes).toBeNull();
    expect(y!.dtype).toBe('int32');
    expect(y!.arraySync()).toEqual([0, 0, 1, 1, 2, 2]);
    expect((x.arraySync() as number[][])[2]).toEqual([7, 3.2, 4.7, 1.4].map(Math.fround));
    // the same through a file: URL, bytes, gzipped bytes, and text
    const viaUrl = await readCsv(pathToFileURL(path), { labelColumn: -1 });
    expect(viaUrl.x.dataSync()).toEqual(x.dataSync());
    const gz = join(dir, 'iris.csv.gz');
    writeFileSync(gz, gzipSync(IRIS));
    expect((await readCsv(gz, { labelColumn: 4 })).y!.dataSync()).toEqual(y!.dataSync());
    expect((await readCsv(new TextEncoder().encode(IRIS), { labelColumn: 4 })).x.dataSync()).toEqual(x.dataSync());
    expect((await readCsv(IRIS, { labelColumn: 'species' })).x.dataSync()).toEqual(x.dataSync());
  });
  it('detects a missing header and names columns by index', async () => {
    const { x, y, columns } = await readCsv('1,2,3\n4,5,6\n', { labelColumn: -1 });
    expect(x.arraySync()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(y!.arraySync()).toEqual([3, 6]);
    expect(columns).toEqual(['0', '1']);
    expect(parseCsv('a,b\n1,2').columns).toEqual(['a', 'b']);
    expect(parseCsv('1,2\n3,4', { header: true }).x.arraySync()).toEqual([[3, 4]]);
    expect(() => parseCsv('a,b\n1,2', { header: false })).toThrow("readCsv: line 1, column 1: 'a' is not a number");
  });
  it('selects columns by name or index, in the given order', () => {
    const { x, columns, y } = parseCsv(IRIS, { columns: ['petal_width', 0] });
    expect(columns).toEqual(['petal_width', 'sepal_length']);
    expect((x.arraySync() as number[][])[0]).toEqual([0.2, 5.1].map(Math.fround));
    expect(y).toBeNull();
    expect(() => parseCsv(IRIS, { columns: ['petal'] })).toThrow(
      "readCsv: column 'petal' not found; the columns are 'sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'",
    );
    expect(() => parseCsv('1,2\n3,4', { labelColumn: 'y' })).toThrow(
      "readCsv: labelColumn 'y' is a name, but the CSV has no header line; use a 0-based index",
    );
    expect(() => parseCsv('1,2\n3,4', { columns: [2] })).toThrow(
      'readCsv: column 2 is out of range for 2 columns (valid: 0 to 1, or -1 to -2 from the end)',
    );
  });
  it('names the line, column and text of a bad cell', () => {
    const bad = IRIS.replace('6.4,3.2,4.5', '6.4,3.2,abc');
    expect(() => parseCsv(bad, { labelColumn: 'species' })).toThrow("readCsv: line 5, column 3 ('petal_length'): 'abc' is not a number");
    expect(() => parseCsv(bad, { labelColumn: 'species' })).toThrow(DataFormatError);
    // line numbers count skipped lines; without a header there is no name
    expect(() => parseCsv('# comment\n1,2\n3,x\n', { skipLines: 1 })).toThrow("readCsv: line 3, column 2: 'x' is not a number");
    expect(() => parseCsv('a,b\n1,\n', {})).toThrow("readCsv: line 2, column 2 ('b'): '' is not a number");
    // a cell that is not selected is not parsed
    expect(parseCsv(bad, { columns: [0, 1] }).x.shape).toEqual([6, 2]);
  });
  it('reports ragged rows with the expected and actual field counts', () => {
    const ragged = IRIS.replace('4.9,3.0,1.4,0.2,0', '4.9,3.0,1.4,0');
    expect(() => parseCsv(ragged)).toThrow('readCsv: line 3 has 4 fields, expected 5 (as in line 1)');
    expect(() => parseCsv('1,2\n3,4,5\n')).toThrow('readCsv: line 2 has 3 fields, expected 2 (as in line 1)');
    expect(() => parseCsv('1,2\n\n3,4\n')).toThrow('readCsv: line 2 is empty (expected 2 fields)');
  });
  it('allows empty trailing lines, CRLF, a BOM and other delimiters', () => {
    expect(parseCsv('1,2\r\n3,4\r\n\r\n\n').x.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseCsv('\uFEFFa;b\n1;2', { delimiter: ';' }).columns).toEqual(['a', 'b']);
    expect(parseCsv('1\t2\n3\t4', { delimiter: '\t' }).x.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseCsv('x\nnan\ninf\n-1e3\n', {}).x.arraySync()).toEqual([[Number.NaN], [Number.POSITIVE_INFINITY], [-1000]]);
  });
  it('handles quoted fields (RFC 4180): delimiters, line breaks and doubled quotes inside quotes', () => {
    const text = 'name,"a, b","say ""hi"""\n"1.5","2",3\n4,"5",6\n';
    const { x, columns } = parseCsv(text);
    expect(columns).toEqual(['name', 'a, b', 'say "hi"']);
    expect(x.arraySync()).toEqual([
      [1.5, 2, 3],
      [4, 5, 6],
    ]);
    // a quoted line break: later line numbers stay right
    const multi = 'label,"multi\nline header"\n1,2\n3,oops\n';
    expect(() => parseCsv(multi)).toThrow("readCsv: line 4, column 2 ('multi\nline header'): 'oops' is not a number");
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(`readCsv: line 2, column 2: a quoted field is never closed (missing '"')`);
    expect(() => parseCsv('a,b\n1,"2"x\n')).toThrow(`readCsv: line 2, column 2: unexpected 'x' after a closing quote`);
  });
  it('encodes non-numeric labels as sorted class indices; infers float labels', () => {
    const { y, classes } = parseCsv('f,kind\n1,virginica\n2,setosa\n3,virginica\n', { labelColumn: 'kind' });
    expect(classes).toEqual(['setosa', 'virginica']);
    expect(y!.arraySync()).toEqual([1, 0, 1]);
    const reg = parseCsv('f,t\n1,0.5\n2,1\n', { labelColumn: 't' });
    expect(reg.y!.dtype).toBe('float32');
    expect(parseCsv('f,t\n1,1\n2,0\n', { labelColumn: 't', labelDtype: 'float32' }).y!.dtype).toBe('float32');
    expect(() => parseCsv('f,t\n1,1\n2,two\n', { labelColumn: 't' })).toThrow(
      "readCsv: line 3, column 2 ('t'): 'two' is not a number (expected a decimal number such as 3, -1.5 or 2e-3, or nan / inf); the labels above are numbers",
    );
    expect(parseCsv('a\n1\n2', { dtype: 'int32' }).x.dtype).toBe('int32');
    expect(() => parseCsv('a\n1\n2.5', { dtype: 'int32' })).toThrow(
      "readCsv: line 3, column 1 ('a'): '2.5' is not an integer (dtype 'int32')",
    );
  });
  it('rejects labels that int32 cannot hold instead of wrapping them', () => {
    const big = 'f,t\n1,1\n2,3000000000\n';
    const msg = "readCsv: line 3, column 2 ('t'): label '3000000000' is outside the int32 range -2147483648 to 2147483647";
    expect(() => parseCsv(big, { labelColumn: 't' })).toThrow(msg);
    expect(() => parseCsv(big, { labelColumn: 't' })).toThrow(DataFormatError);
    expect(() => parseCsv(big, { labelColumn: 't', labelDtype: 'int32' })).toThrow(msg);
    expect(() => parseCsv('f,t\n1,-2147483649\n', { labelColumn: 't' })).toThrow(
      "line 2, column 2 ('t'): label '-2147483649' is outside the int32 range",
    );
    expect(() => parseCsv('f,t\n1,1e40\n', { labelColumn: 't', labelDtype: 'float32' })).toThrow(
      "line 2, column 2 ('t'): label '1e40' is outside the float32 range",
    );
    // the int32 limits themselves fit; a wider type holds larger values exactly
    expect(parseCsv('f,t\n1,-2147483648\n2,2147483647\n', { labelColumn: 't' }).y!.arraySync()).toEqual([-2147483648, 2147483647]);
    const wide = parseCsv(big, { labelColumn: 't', labelDtype: 'float64' }).y!;
    expect(wide.dtype).toBe('float64');
    expect(wide.arraySync()).toEqual([1, 3000000000]);
    // features: the same range checks for dtype int32 and float32
    expect(() => parseCsv('a\n1\n3000000000\n', { dtype: 'int32' })).toThrow(
      "readCsv: line 3, column 1 ('a'): '3000000000' is outside the int32 range -2147483648 to 2147483647 (dtype 'int32')",
    );
    expect(() => parseCsv('a\n1\n-1e39\n')).toThrow("readCsv: line 3, column 1 ('a'): '-1e39' is outside the float32 range");
    expect(() => parseCsv('a\n1e309\n', { dtype: 'float64' })).toThrow(
      "readCsv: line 2, column 1 ('a'): '1e309' is outside the float64 range",
    );
  });
  it('rejects an empty label instead of making it a class', () => {
    const msg = "readCsv: line 3, column 2 ('kind'): the label is empty";
    expect(() => parseCsv('f,kind\n1,cat\n2,\n3,dog\n', { labelColumn: 'kind' })).toThrow(msg);
    expect(() => parseCsv('f,kind\n1,cat\n2,"  "\n', { labelColumn: 'kind' })).toThrow(msg);
    expect(() => parseCsv('f,kind\n1,cat\n2,\n', { labelColumn: 'kind' })).toThrow(DataFormatError);
    expect(() => parseCsv('f,kind\n1,\n2,dog\n', { labelColumn: 'kind' })).toThrow(
      "readCsv: line 2, column 2 ('kind'): the label is empty",
    );
    expect(() => parseCsv('f,t\n1,0\n2,\n', { labelColumn: 't' })).toThrow("readCsv: line 3, column 2 ('t'): the label is empty");
  });
  it("accepts only plain decimal numbers, not the other strings JavaScript's Number() reads", () => {
    for (const text of ['0x10', '0X1f', '0b101', '0o17', '1_000', '1e', '.', '+-1', '1,5', '12abc']) {
      expect(() => parseCsv(`a\n1\n"${text}"\n`), text).toThrow(
        `readCsv: line 3, column 1 ('a'): '${text}' is not a number (expected a decimal`,
      );
    }
    // whitespace-only and empty cells (Number() reads them as 0)
    expect(() => parseCsv('a,b\n1,2\n3,"   "\n')).toThrow("readCsv: line 3, column 2 ('b'): '   ' is not a number");
    expect(() => parseCsv('a,b\n1,2\n3,\t\n')).toThrow("readCsv: line 3, column 2 ('b'): '\t' is not a number");
    expect(() => parseCsv('f,t\n1,0\n2,0x10\n', { labelColumn: 't' })).toThrow("readCsv: line 3, column 2 ('t'): '0x10' is not a number");
    // what is valid: signs, leading/trailing dots, exponents, surrounding spaces, nan / inf
    const ok = parseCsv('a\n+1\n-.5\n2.\n1E3\n 7 \n-1e-2\nNaN\n-Infinity\n', { dtype: 'float64' });
    expect(ok.x.arraySync()).toEqual([[1], [-0.5], [2], [1000], [7], [-0.01], [Number.NaN], [Number.NEGATIVE_INFINITY]]);
  });
  it('rejects an empty input and a missing file clearly', async () => {
    expect(() => parseCsv('')).toThrow('readCsv: the input is empty');
    expect(() => parseCsv('\n\n')).toThrow('readCsv: the input is empty');
    await expect(readCsv(join(dir, 'nope.csv'))).rejects.toThrow(`readCsv: cannot read ${join(dir, 'nope.csv')}: no such file`);
  });

  it('stops inflating a .csv.gz at maxBytes (a gzip bomb is refused, not held in memory)', async () => {
    // 64 MiB of "1,2\n" compresses to ~64 KiB.
    const bomb = gzipSync(Buffer.alloc(64 << 20, '1,2\n'));
    const before = process.memoryUsage().arrayBuffers;
    await expect(readCsv(bomb, { maxBytes: 1 << 20 })).rejects.toThrow(
      'readCsv: the gzip data inflates to more than maxBytes = 1,048,576 bytes; pass a larger { maxBytes } if the file is genuine',
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    await expect(readCsv(Buffer.from(IRIS), { maxBytes: 100 })).rejects.toThrow(
      'readCsv: the CSV text has 166 bytes, more than maxBytes = 100',
    );
    await expect(readCsv(IRIS, { maxBytes: -1 })).rejects.toThrow('readCsv: maxBytes must be a positive integer or Infinity, got -1');
    // Within the limit (and with no limit) the same table as the plain text.
    const small = gzipSync(IRIS);
    expect((await readCsv(small, { maxBytes: 166, labelColumn: 4 })).x.shape).toEqual([6, 4]);
    expect((await readCsv(small, { maxBytes: Number.POSITIVE_INFINITY })).x.shape).toEqual([6, 5]);
  });
});
