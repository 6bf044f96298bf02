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
    expect(x.arraySync()).toEqual([[1, 2], [4, 5]]);
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
    expect(() => parseCsv('1,2\n3,4', { labelColumn: 'y' })).toThrow("readCsv: labelColumn 'y' is a name, but the CSV has no header line; use a 0-based index");
    expect(() => parseCsv('1,2\n3,4', { columns: [2] })).toThrow('readCsv: column 2 is out of range for 2 columns (valid: 0 to 1, or -1 to -2 from the end)');
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
    expect(parseCsv('1,2\r\n3,4\r\n\r\n\n').x.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(parseCsv('\uFEFFa;b\n1;2', { delimiter: ';' }).columns).toEqual(['a', 'b']);
    expect(parseCsv('1\t2\n3\t4', { delimiter: '\t' }).x.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(parseCsv('x\nnan\ninf\n-1e3\n', {}).x.arraySync()).toEqual([[Number.NaN], [Number.POSITIVE_INFINITY], [-1000]]);
  });
  it('handles quoted fields (RFC 4180): delimiters, line breaks and doubled quotes inside quotes', () => {
    const text = 'name,"a, b","say ""hi"""\n"1.5","2",3\n4,"5",6\n';
    const { x, columns } = parseCsv(text);
    expect(columns).toEqual(['name', 'a, b', 'say "hi"']);
    expect(x.arraySync()).toEqual([[1.5, 2, 3], [4, 5, 6]]);
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
    expect(() => parseCsv('f,t\n1,1\n2,two\n', { labelColumn: 't' })).toThrow("readCsv: line 3, column 2 ('t'): 'two' is not a number (the labels above are numbers)");
    expect(parseCsv('a\n1\n2', { dtype: 'int32' }).x.dtype).toBe('int32');
    expect(() => parseCsv('a\n1\n2.5', { dtype: 'int32' })).toThrow("readCsv: line 3, column 1 ('a'): '2.5' is not an int32 integer (dtype 'int32')");
  });
  it('rejects an empty input and a missing file clearly', async () => {
    expect(() => parseCsv('')).toThrow('readCsv: the input is empty');
    expect(() => parseCsv('\n\n')).toThrow('readCsv: the input is empty');
    await expect(readCsv(join(dir, 'nope.csv'))).rejects.toThrow(`readCsv: cannot read ${join(dir, 'nope.csv')}: no such file`);
  });
});
