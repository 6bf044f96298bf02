/**
 * The training worker (a module worker): owns the backends and the session, answers the page's
 * requests (protocol.ts). Messages are handled in order; a new configuration replaces the session.
 */
import type { BackendName } from '../config.js';
import type { BackendStatus, Reply, Request } from '../protocol.js';
import { initBackends } from './backends.js';
import { Aborted } from './control.js';
import { compareOptimizers } from './compare.js';
import { computeGraph } from './graph.js';
import { exportWeights, importWeights, overfit } from './jobs.js';
import { lossLandscape } from './landscape.js';
import { type Post, Session } from './session.js';

const post: Post = (reply: Reply, transfer: Transferable[] = []) => postMessage(reply, { transfer });

const backends: Promise<Record<BackendName, BackendStatus>> = initBackends().then((status) => {
  post({ type: 'backends', status });
  return status;
});

let session: Promise<Session | null> = Promise.resolve(null);
/** The newest configure request; older ones still queued are skipped. */
let latestConfigure = 0;

async function usable(name: BackendName): Promise<BackendName> {
  return (await backends)[name].ok ? name : 'cpu';
}

async function handle(req: Request): Promise<void> {
  if (req.type === 'configure') {
    const ticket = ++latestConfigure;
    const previous = session;
    session = (async () => {
      const old = await previous;
      await old?.dispose();
      if (ticket !== latestConfigure) return null;
      return Session.create(req.config, req.digitsUrl, await usable(req.config.backend), post);
    })();
    await session;
    return;
  }
  if (req.type === 'graph') {
    post(computeGraph(req.expression, req.values));
    return;
  }
  const s = await session;
  if (s === null) return;
  switch (req.type) {
    case 'play':
      return s.play();
    case 'pause':
      return s.pause();
    case 'step':
      return s.step();
    case 'setBackend':
      return s.switchBackend(await usable(req.backend));
    case 'overfit':
      return s.lock.run(() => overfit(s, post));
    case 'exportWeights':
      return s.lock.run(() => exportWeights(s, post));
    case 'importWeights':
      return s.lock.run(() => importWeights(s, req.bytes, post));
    case 'compare':
      return compareOptimizers(s, req.optimizers, req.epochs, post);
    case 'landscape':
      return lossLandscape(s, req.resolution, req.span, post);
  }
}

addEventListener('message', (e: MessageEvent<Request>) => {
  const req = e.data;
  handle(req).catch((err: unknown) => {
    if (!(err instanceof Aborted)) post({ type: 'error', context: req.type, message: (err as Error).message ?? String(err) });
  });
});
