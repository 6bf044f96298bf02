/**
 * The compute worker, as source text: it runs from a string (Node: `eval: true`; browsers: a Blob
 * URL), so no separate file has to be found or bundled. It instantiates the threads build of the
 * kernels over the backend's shared memory, then serves jobs from its control block forever:
 *
 *   control block (i32 words): [0] job sequence number (the wake-up signal), [1] last job done,
 *   [2] kernel index (-1: exit), [3] argument count, [4] error flag, [5] claim word: the posted
 *   job's number, or its negation once a worker took it, or 0 once the owner took it back;
 *   f64 arguments from byte 32; a failed kernel's message (ASCII, 0-terminated or truncated) at
 *   `errorAt`.
 *
 * A worker runs a job only if it wins the claim word, so the owner, once done with its own part,
 * can take back a part no worker has started (a worker that is slow to wake, e.g. because another
 * process holds its core) instead of waiting for it. Workers spin briefly (jobs often come back
 * to back), then sleep in Atomics.wait.
 */
export const WORKER_SOURCE = `'use strict';
const isNode = typeof process === 'object' && process !== null && !!(process.versions && process.versions.node);
// The worker runs as a CommonJS script, but getBuiltinModule also works if it is ever run as ESM.
const port = isNode
  ? (typeof require === 'function' ? require('node:worker_threads') : process.getBuiltinModule('node:worker_threads')).parentPort
  : self;
function onMessage(f) {
  if (isNode) port.once('message', f);
  else self.onmessage = (e) => { self.onmessage = null; f(e.data); };
}
onMessage((msg) => {
  let inst;
  try {
    inst = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } });
  } catch (e) {
    port.postMessage({ type: 'error', message: String((e && e.message) || e) });
    return;
  }
  const fns = msg.names.map((n) => inst.exports[n]);
  const ctl = new Int32Array(msg.memory.buffer, msg.ctl, 8);
  const args = new Float64Array(msg.memory.buffer, msg.ctl + 32, 24);
  const error = new Uint8Array(msg.memory.buffer, msg.ctl + msg.errorAt, msg.errorBytes);
  const spinMs = msg.spinUs / 1000;
  // Argument lists by length, made once: a fresh array per job would be garbage on every call.
  // Filled with null first so they hold tagged values (apply boxes every element of a double array).
  const lists = [];
  port.postMessage({ type: 'ready' });
  let seen = 0;
  for (;;) {
    let s = Atomics.load(ctl, 0);
    for (let k = 1, t0 = performance.now(); s === seen; k++) {
      if ((k & 1023) === 0 && performance.now() - t0 > spinMs) break;
      s = Atomics.load(ctl, 0);
    }
    while (s === seen) {
      Atomics.wait(ctl, 0, seen);
      s = Atomics.load(ctl, 0);
    }
    seen = s;
    const job = Atomics.load(ctl, 5);
    if (job <= 0 || Atomics.compareExchange(ctl, 5, job, -job) !== job) continue; // taken back
    const id = ctl[2];
    if (id >= 0) {
      try {
        const n = ctl[3];
        const a = lists[n] || (lists[n] = new Array(n).fill(null));
        for (let i = 0; i < n; i++) a[i] = args[i];
        fns[id].apply(null, a);
      } catch (e) {
        const text = String((e && e.message) || e);
        error.fill(0);
        for (let i = 0; i < Math.min(text.length, error.length); i++) error[i] = text.charCodeAt(i) & 127;
        ctl[4] = 1;
      }
    }
    Atomics.store(ctl, 1, job);
    Atomics.notify(ctl, 1);
    if (id < 0) break;
  }
});
`;
