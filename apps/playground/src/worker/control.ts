/**
 * Flow control for the training loop inside the worker: a gate that pauses it between epochs
 * (play, pause, one epoch at a time, abort), a lock so other jobs (backend switch, landscape,
 * weights) touch the model only between epochs, and a way to let queued messages run.
 */

/** Thrown inside fit (from a callback) to abandon a run. */
export class Aborted extends Error {
  constructor() {
    super('training was reset');
  }
}

export class Gate {
  private paused = true;
  private epochsToRun = 0;
  private aborted = false;
  private waiters: (() => void)[] = [];

  get isPaused(): boolean {
    return this.paused && this.epochsToRun === 0;
  }
  play(): void {
    this.paused = false;
    this.wake();
  }
  pause(): void {
    this.paused = true;
    this.epochsToRun = 0;
  }
  /** Lets exactly one more epoch run, then pauses. */
  step(): void {
    this.paused = true;
    this.epochsToRun = 1;
    this.wake();
  }
  abort(): void {
    this.aborted = true;
    this.wake();
  }
  check(): void {
    if (this.aborted) throw new Aborted();
  }
  /** Waits until the next epoch may run. */
  async pass(onWait: () => void): Promise<void> {
    this.check();
    if (this.isPaused) onWait();
    while (this.isPaused) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.check();
    }
    if (this.epochsToRun > 0) this.epochsToRun--;
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** A FIFO async mutex. */
export class Lock {
  private tail: Promise<void> = Promise.resolve();
  /** Resolves with the release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }
  async run<R>(fn: () => Promise<R> | R): Promise<R> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

const channel = typeof MessageChannel === 'function' ? new MessageChannel() : null;
const pending: (() => void)[] = [];
if (channel !== null) channel.port1.onmessage = () => pending.shift()?.();

/**
 * Resolves after the event loop has run once, so messages from the page (pause, reset) are
 * handled during a long fit. A MessageChannel round trip, not setTimeout (clamped to 4 ms).
 */
export function yieldToEventLoop(): Promise<void> {
  if (channel === null) return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    pending.push(resolve);
    channel.port2.postMessage(0);
  });
}
