/**
 * One training session: the data, model, optimizer and scheduler of a configuration, trained by
 * @nn/train's fit. The page's controls act through fit's callbacks: the gate pauses between
 * epochs, the lock hands the model to other jobs between epochs, and each epoch's results (with
 * the lr and per-layer gradient norms of every step) go back to the page.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import { type Sequential, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, l1Loss, mseLoss } from '@nn/layers';
import type { Optimizer } from '@nn/optim';
import { DataLoader } from '@nn/data';
import { type Callback, EarlyStopping, type EpochLogs, type LossFn, fit } from '@nn/train';
import type { BackendName, Config, LossName } from '../config.js';
import type { Reply } from '../protocol.js';
import { Aborted, Gate, Lock, yieldToEventLoop } from './control.js';
import { type Data, disposeData, makeData } from './data.js';
import { countParameters, makeModel } from './model.js';
import { makeOptimizer, makeScheduler, type Scheduler } from './optim.js';
import { MAX_NEURONS_PER_LAYER, computePictures } from './pictures.js';

export type Post = (reply: Reply, transfer?: Transferable[]) => void;

const oneHot = (y: Tensor, classes: number): Tensor => T.cast(T.oneHot(y, classes), 'float32');

/** Each loss as a function of the logits (or predictions) and the int32 labels (or float targets). */
export function lossFunction(name: LossName, classes: number): LossFn {
  const LOSSES: Record<LossName, LossFn> = {
    'cross-entropy': (out, y) => crossEntropy(out, y),
    bce: (out, y) => T.tidy(() => binaryCrossEntropyWithLogits(out, oneHot(y, classes))),
    mse: (out, y) => (y.dtype === 'int32' ? T.tidy(() => mseLoss(out, oneHot(y, classes))) : mseLoss(out, y)),
    l1: (out, y) => l1Loss(out, y),
    huber: (out, y) => huberLoss(out, y),
  };
  return LOSSES[name];
}

/** Minimum time between two picture updates while training runs. */
const PICTURE_EVERY_MS = 120;
/** Longest time the loop runs without letting the page's messages in. */
const YIELD_EVERY_MS = 25;

export class Session {
  readonly gate = new Gate();
  readonly lock = new Lock();
  readonly loss: LossFn;
  readonly neurons: boolean;
  private scheduler: Scheduler | undefined;
  private running: Promise<void> | null = null;
  private done = false;
  private epoch = 0;
  private bestEpoch: number | null = null;
  private note = '';
  private lastState = '';
  private globalStep = 0;
  private lrs: [number, number][] = [];
  private norms: { steps: number[]; values: number[][] } = { steps: [], values: [] };
  private pendingNorms: Tensor | null = null;
  readonly stepsPerEpoch: number;

  private constructor(
    readonly config: Config,
    readonly data: Data,
    readonly model: Sequential,
    readonly optimizer: Optimizer,
    public backend: BackendName,
    private readonly post: Post,
  ) {
    this.loss = lossFunction(config.loss, data.view.classes);
    this.scheduler = makeScheduler(optimizer, config);
    this.stepsPerEpoch = Math.ceil(data.train.length / config.batchSize);
    const hidden = config.hidden;
    this.neurons = data.view.inputs === 2 && data.view.task === 'classification' && hidden.every((u) => u <= MAX_NEURONS_PER_LAYER);
  }

  /** Builds data (on cpu, for the drawing copy), then the seeded model, and moves both to `backend`. */
  static async create(config: Config, digitsUrl: string | null, backend: BackendName, post: Post): Promise<Session> {
    T.setBackend('cpu');
    const data = await makeData(config, digitsUrl);
    T.manualSeed(config.seed);
    const { view } = data;
    const model = makeModel(config, view.inputs, view.task === 'regression' ? 1 : view.classes);
    if (backend !== 'cpu') {
      model.to(backend);
      await T.moveInPlaceAsync('playground', [data.x, data.y], backend);
    }
    T.setBackend(backend);
    const optimizer = makeOptimizer(config.optimizer, model.parameters(), config);
    const s = new Session(config, data, model, optimizer, backend, post);
    post({
      type: 'ready',
      data: view,
      parameters: countParameters(model),
      summary: model.toString(),
      stepsPerEpoch: s.stepsPerEpoch,
      layers: s.layerNames,
    });
    s.postState();
    await s.postPictures();
    return s;
  }

  get layerNames(): string[] {
    return this.model.layers.map((_, i, all) => (i === all.length - 1 ? 'output' : `hidden ${i + 1}`));
  }

  /** Tells the page the state, when it changed (the epoch counter follows the epoch messages). */
  postState(): void {
    const state = this.done ? 'done' : this.running === null ? 'idle' : this.gate.isPaused ? 'paused' : 'running';
    const key = `${state} ${this.backend} ${this.bestEpoch} ${this.note}`;
    if (key === this.lastState) return;
    this.lastState = key;
    this.post({ type: 'state', state, epoch: this.epoch, backend: this.backend, bestEpoch: this.bestEpoch, note: this.note });
  }

  async postPictures(): Promise<void> {
    const pictures = await computePictures(this.model, this.data.view, this.neurons);
    this.post({ type: 'pictures', pictures });
  }

  play(): void {
    if (this.done) return;
    this.gate.play();
    this.start();
  }
  step(): void {
    if (this.done) return;
    this.gate.step();
    this.start();
  }
  pause(): void {
    this.gate.pause();
    this.postState();
  }

  /** Moves model, optimizer state and data to another backend between epochs. */
  switchBackend(name: BackendName): Promise<void> {
    return this.lock.run(async () => {
      if (name === this.backend) return;
      await this.model.toAsync(name);
      await this.optimizer.toAsync(name);
      await T.moveInPlaceAsync('playground', [this.data.x, this.data.y], name);
      T.setBackend(name);
      this.backend = name;
      this.note = `moved to ${name} after epoch ${this.epoch}`;
      this.postState();
    });
  }

  /** Stops training and frees every tensor of the session. */
  async dispose(): Promise<void> {
    this.gate.abort();
    await this.running;
    await this.lock.run(() => {
      this.pendingNorms?.dispose();
      this.optimizer.dispose();
      for (const t of [...this.model.parameters(), ...this.model.buffers()]) t.dispose();
      disposeData(this.data);
    });
  }

  private start(): void {
    this.postState();
    if (this.running !== null) return;
    this.running = this.run().catch((e) => {
      if (!(e instanceof Aborted)) this.post({ type: 'error', context: 'training', message: (e as Error).message });
    });
  }

  private async run(): Promise<void> {
    const c = this.config;
    const callbacks: Callback[] = [];
    const early = c.earlyStopping ? new EarlyStopping({ monitor: 'valLoss', patience: c.patience }) : null;
    if (early !== null) callbacks.push(early);
    callbacks.push(this.progress(early));
    const history = await fit(this.model, {
      train: new DataLoader(this.data.train, { batchSize: c.batchSize, shuffle: true, seed: c.seed }),
      val: new DataLoader(this.data.val, { batchSize: 512 }),
      loss: this.loss,
      optimizer: this.instrumentedOptimizer(),
      scheduler: this.scheduler,
      schedulerInterval: 'step',
      epochs: c.epochs,
      metrics: this.data.view.task === 'classification' ? ['accuracy'] : [],
      progress: false,
      callbacks,
    });
    this.done = true;
    this.note =
      history.stopped === 'callback'
        ? `early stopping after epoch ${this.epoch}; best epoch ${this.bestEpoch}`
        : `finished ${this.epoch} epochs`;
    this.postState();
  }

  /** The optimizer, recording the lr and the squared gradient norm of each block before each step. */
  private instrumentedOptimizer() {
    const opt = this.optimizer;
    const blocks = this.model.layers.map((b) => b.parameters());
    return {
      paramGroups: opt.paramGroups,
      zeroGrad: () => opt.zeroGrad(),
      step: () => {
        this.lrs.push([this.globalStep / this.stepsPerEpoch, opt.paramGroups[0].lr]);
        this.pendingNorms?.dispose();
        // Stays on the device; read once after the step (onBatchEnd), on any backend.
        this.pendingNorms = T.keep(
          noGrad(() =>
            T.tidy(() =>
              T.stack(
                blocks.map((ps) => ps.reduce((acc, p) => (p.grad === null ? acc : T.add(acc, T.sum(T.square(p.grad)))), T.zeros([]))),
              ),
            ),
          ),
        );
        opt.step();
        this.globalStep++;
      },
    };
  }

  private progress(early: EarlyStopping | null): Callback {
    let release: (() => void) | null = null;
    let lastYield = performance.now();
    let lastPictures = 0;
    return {
      onEpochBegin: async () => {
        await this.gate.pass(() => this.postState());
        release = await this.lock.acquire();
        this.postState();
      },
      onBatchEnd: async () => {
        const sq = this.pendingNorms;
        this.pendingNorms = null;
        if (sq !== null) {
          const v = await sq.data();
          sq.dispose();
          this.norms.steps.push(this.globalStep);
          this.norms.values.push(Array.from(v, Math.sqrt));
        }
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        this.gate.check();
      },
      onEpochEnd: async (epoch: number, logs: EpochLogs, ctx) => {
        this.epoch = epoch;
        if (early !== null && early.bestEpoch > 0) this.bestEpoch = early.bestEpoch;
        this.postState();
        this.post({
          type: 'epoch',
          log: {
            epoch,
            loss: logs.loss,
            valLoss: logs.valLoss,
            accuracy: logs.accuracy ?? null,
            valAccuracy: logs.valAccuracy ?? null,
            seconds: logs.seconds,
            backend: this.backend,
            tensors: T.memory().tensors,
          },
          lrs: this.lrs,
          gradNorms: this.norms,
        });
        this.lrs = [];
        this.norms = { steps: [], values: [] };
        const last = epoch === this.config.epochs || ctx.stop || this.gate.isPaused;
        if (last || performance.now() - lastPictures > PICTURE_EVERY_MS) {
          await this.postPictures();
          lastPictures = performance.now();
        }
        release?.();
        release = null;
        await yieldToEventLoop();
        lastYield = performance.now();
      },
      onTrainEnd: () => {
        release?.();
      },
    };
  }
}
