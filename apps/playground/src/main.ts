/**
 * The Playground page: the settings live in the URL; every change is sent to the training worker,
 * whose replies feed the panels. The page itself runs no tensor code, so it stays responsive
 * whatever the worker is doing; charts redraw at most once per animation frame.
 */
import digitsFile from 'virtual:playground-digits';
import './style.css';
import type { Config } from './config.js';
import { DEFAULTS, normalize } from './config.js';
import { byId, el } from './dom.js';
import { type Latency, recordClickLatency } from './latency.js';
import { ComparePanel } from './panels/compare.js';
import { CurvesPanel } from './panels/curves.js';
import { GraphPanel } from './panels/graph.js';
import { LandscapePanel } from './panels/landscape.js';
import { NeuronsPanel } from './panels/neurons.js';
import { OutputPanel } from './panels/output.js';
import { OverfitPanel } from './panels/overfit.js';
import { settingsForm } from './panels/settings.js';
import { toolbar } from './panels/toolbar.js';
import { WeightsPanel } from './panels/weights.js';
import type { Reply, Request } from './protocol.js';
import { decodeConfig, encodeConfig } from './url-state.js';

const digitsUrl = digitsFile === null ? null : new URL(digitsFile, document.baseURI).href;
const worker = new Worker(new URL('./worker/train.worker.ts', import.meta.url), { type: 'module', name: 'nn-training' });
const send = (r: Request, transfer: Transferable[] = []) => worker.postMessage(r, { transfer });

const DIGITS_MISSING = 'The 8×8 digits are not part of this build (see the Playground README).';
let config: Config = normalize(decodeConfig(location.hash));
// A shared link may ask for the digits where this build has none: fall back to the default data.
const fallback = config.dataset === 'digits' && digitsUrl === null;
if (fallback) config = { ...config, dataset: DEFAULTS.dataset };

/** What the page knows, for the console and the end-to-end tests. */
const debug = {
  get config() {
    return config;
  },
  ready: false,
  /** Whether this build includes the sklearn digits. */
  digits: digitsUrl !== null,
  backends: null as Extract<Reply, { type: 'backends' }>['status'] | null,
  state: null as Extract<Reply, { type: 'state' }> | null,
  history: [] as unknown[],
  pictures: 0,
  /** Per layer (hidden 1, …, output), the mean gradient norm of each epoch. */
  gradNorms: [] as (number | null)[][],
  latencies: [] as Latency[],
  overfit: null as Extract<Reply, { type: 'overfit' }> | null,
  compare: {} as Record<string, { loss: number[]; val: number[] }>,
  compareDone: false,
  landscape: null as Extract<Reply, { type: 'landscape' }> | null,
  graph: null as Extract<Reply, { type: 'graph' }> | null,
  weights: null as { saved: number } | { loaded: number } | null,
  errors: [] as string[],
};
(globalThis as { __playground?: typeof debug }).__playground = debug;

const bar = toolbar({
  play: () => send({ type: 'play' }),
  pause: () => send({ type: 'pause' }),
  step: () => send({ type: 'step' }),
  reset: () => configure(),
  backend: (backend) => change({ backend }),
});
const settings = settingsForm(byId('settings'), (patch) => change(patch), digitsUrl === null ? { digits: DIGITS_MISSING } : {});
const output = new OutputPanel(byId('output'));
const neurons = new NeuronsPanel(byId('neurons'));
const curves = new CurvesPanel(byId('curves'));
debug.history = curves.history;
const overfit = new OverfitPanel(byId('tool-overfit'), () => send({ type: 'overfit' }));
const weights = new WeightsPanel(byId('tool-weights'), {
  download: () => send({ type: 'exportWeights' }),
  load: (bytes) => send({ type: 'importWeights', bytes }, [bytes.buffer]),
});
const compare = new ComparePanel(byId('tool-compare'), {
  select: (names) => change({ compare: names }),
  run: (optimizers, epochs) => {
    debug.compareDone = false;
    send({ type: 'compare', optimizers, epochs });
  },
});
debug.compare = compare.results;
const landscape = new LandscapePanel(byId('tool-landscape'), (resolution, span) => send({ type: 'landscape', resolution, span }));
const graph = new GraphPanel(byId('tool-graph'), (expression, values) => send({ type: 'graph', expression, values }));
recordClickLatency(debug.latencies, (l) => {
  byId('latency').textContent = `last click: handled after ${l.handler.toFixed(1)} ms, next frame after ${l.frame.toFixed(1)} ms`;
});
byId('credits').textContent =
  digitsFile === null ? DIGITS_MISSING : 'Digits: UCI optdigits as shipped by scikit-learn (BSD-3-Clause), 1,797 images.';

/** Fields whose change keeps the current session (everything else starts a new one). */
const KEEPS_SESSION: (keyof Config)[] = ['compare', 'backend'];

function change(patch: Partial<Config>): void {
  const before = config;
  config = normalize({ ...config, ...patch });
  history.replaceState(null, '', `#${encodeConfig(config)}`);
  settings.update(config);
  compare.update(config);
  const keys = (Object.keys(patch) as (keyof Config)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(config[k]));
  if (keys.length === 0) return;
  if (keys.every((k) => KEEPS_SESSION.includes(k))) {
    if (keys.includes('backend')) send({ type: 'setBackend', backend: config.backend });
    return;
  }
  configure();
}

function configure(): void {
  debug.ready = false;
  curves.plan(config);
  send({ type: 'configure', config, digitsUrl });
}

/** Minimum time between two redraws: charts and pictures at ~10 frames/s leave the page idle for input. */
const REDRAW_MS = 100;
let timer: ReturnType<typeof setTimeout> | null = null;
let lastDraw = 0;
let bestEpoch: number | null = null;
let pendingPictures: Extract<Reply, { type: 'pictures' }>['pictures'] | null = null;
function render(): void {
  if (timer !== null) return;
  timer = setTimeout(
    () => {
      requestAnimationFrame(() => {
        timer = null;
        lastDraw = performance.now();
        curves.render(bestEpoch);
        const last = curves.history.at(-1);
        bar.setEpoch(last?.epoch ?? 0);
        if (last !== undefined)
          byId('memory').textContent = `training worker: ${last.tensors} live tensors (on ${last.backend}) after epoch ${last.epoch}`;
        if (pendingPictures !== null) {
          output.setPictures(pendingPictures);
          neurons.show(pendingPictures);
          pendingPictures = null;
        }
      });
    },
    Math.max(0, REDRAW_MS - (performance.now() - lastDraw)),
  );
}

worker.onmessage = (e: MessageEvent<Reply>) => {
  const r = e.data;
  switch (r.type) {
    case 'backends':
      debug.backends = r.status;
      bar.setBackends(r.status);
      return;
    case 'ready': {
      curves.reset(config, r.stepsPerEpoch, r.layers);
      debug.gradNorms = curves.gradValues;
      bestEpoch = null;
      output.setData(r.data);
      if (!(r.data.inputs === 2 && r.data.task === 'classification'))
        neurons.clear('Neuron pictures are drawn for classification in the plane.');
      else if (config.hidden.some((u) => u > 16)) neurons.clear('Neuron pictures are drawn for layers of up to 16 units.');
      const split = `${r.data.isVal.length} samples (${r.data.isVal.reduce((a, b) => a + b, 0)} for validation)`;
      byId('data-info').textContent =
        `${split} · ${r.parameters} parameters · ${r.stepsPerEpoch} steps per epoch · filled: training, rings: validation`;
      byId('model-summary').textContent = r.summary;
      debug.ready = true;
      render();
      return;
    }
    case 'state':
      debug.state = r;
      bestEpoch = r.bestEpoch;
      bar.setState(r);
      if (r.backend !== config.backend) {
        config = { ...config, backend: r.backend };
        history.replaceState(null, '', `#${encodeConfig(config)}`);
      }
      render();
      return;
    case 'epoch':
      curves.epoch(r);
      render();
      return;
    case 'pictures':
      debug.pictures++;
      pendingPictures = r.pictures;
      render();
      return;
    case 'overfit':
      debug.overfit = r;
      overfit.show(r);
      return;
    case 'weights':
      debug.weights = { saved: r.bytes.length };
      weights.save(r.bytes);
      return;
    case 'imported':
      debug.weights = { loaded: r.tensors };
      weights.loaded(r.tensors);
      return;
    case 'compareEpoch':
      compare.epoch(r);
      return;
    case 'compareDone':
      debug.compareDone = true;
      compare.done(r.seconds);
      return;
    case 'landscape':
      debug.landscape = r;
      landscape.show(r);
      return;
    case 'graph':
      debug.graph = r;
      graph.show(r);
      return;
    case 'error':
      debug.errors.push(`${r.context}: ${r.message}`);
      if (r.context === 'graph') graph.error(r.message);
      else if (r.context === 'importWeights') weights.failed(r.message);
      else byId('status').replaceChildren(el('span', { class: 'error', text: `${r.context}: ${r.message}` }));
      return;
  }
};
worker.onerror = (e) => {
  debug.errors.push(`worker: ${e.message}`);
  byId('status').replaceChildren(el('span', { class: 'error', text: `worker: ${e.message}` }));
};

settings.update(config);
compare.update(config);
configure();
if (fallback) byId('status').textContent = DIGITS_MISSING;
