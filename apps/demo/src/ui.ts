/**
 * Terminal output for the demo: plain lines everywhere, and on an interactive terminal a live
 * status line (a text progress bar with the latest metrics) redrawn in place every epoch. Before
 * a regular line is printed the status line is erased, so the two never garble each other.
 */

/** Where the demo writes. Tests pass their own functions to capture output. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** A TTY stream for the live status line, or null for plain lines only. */
  tty: NodeJS.WritableStream | null;
}

export const processIo: Io = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  tty: process.stdout.isTTY ? process.stdout : null,
};

const CLEAR_LINE = '\r\x1b[2K';

/** `[#######.............]` for done/total. */
export function progressBar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export class Reporter {
  private label: string | null = null;
  private total = 0;
  private shown = false;

  constructor(private readonly io: Io) {}

  line(text: string): void {
    this.erase();
    this.io.out(text);
  }

  /** Starts a live status line over `total` epochs (only on a TTY). */
  startBar(label: string, total: number): void {
    this.label = label;
    this.total = total;
  }

  tick(value: number, metrics: string): void {
    if (this.io.tty === null || this.label === null) return;
    const width = String(this.total).length;
    this.io.tty.write(`${CLEAR_LINE}  ${this.label} ${progressBar(value, this.total)} ${String(value).padStart(width)}/${this.total}  ${metrics}`);
    this.shown = true;
  }

  stopBar(): void {
    this.erase();
    this.label = null;
  }

  private erase(): void {
    if (this.shown && this.io.tty !== null) this.io.tty.write(CLEAR_LINE);
    this.shown = false;
  }
}

/** Lets other work (signals, I/O) run between synchronous training epochs. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Which epochs get a log line: the first, every `every`-th, and the last. */
export function shouldLog(epoch: number, epochs: number, every: number): boolean {
  return epoch === 1 || epoch === epochs || epoch % every === 0;
}

/** A plain-text table; the first row is the header, other columns are right-aligned. */
export function table(rows: string[][], indent = '  '): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const fmt = (r: string[]) => indent + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  return [fmt(rows[0]), indent + widths.map((w) => '-'.repeat(w)).join('   '), ...rows.slice(1).map(fmt)].join('\n');
}
