/** `--help`: generated from the choice tables, so every choice and default listed is the one used. */
import { CNN_DEFAULTS, cnnText } from './cnn.js';
import { DATASETS, LINREG, SPIRAL, VAL_FRACTION, defaultFashionDirs } from './data.js';
import { HISTORY_EXTENSIONS } from './history.js';
import { ACTIVATIONS, ACTIVATION_NAMES, INITS, INIT_NAMES, NORMS, NORM_NAMES } from './model.js';
import { DATASET_DEFAULTS, DEFAULTS, OVERFIT, defaultOut } from './options.js';
import { OPTIMIZERS, OPTIMIZER_NAMES, optimizerText, takenBy } from './optimizers.js';
import { SCHEDULES, SCHEDULE_NAMES } from './schedules.js';
import { thousands } from './ui.js';

const PAD = ' '.repeat(23);

/** Aligned columns under a flag; a newline in the last column continues under it. */
const list = (rows: string[][]): string => {
  const widths = rows[0].slice(0, -1).map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => {
      const lead = `${PAD}${widths.map((w, c) => r[c].padEnd(w)).join('  ')}  `;
      return lead + r[r.length - 1].split('\n').join(`\n${' '.repeat(lead.length)}`);
    })
    .join('\n');
};

/** `a -> b -> c` cut into lines of at most `width` characters, each but the last ending in `->`. */
const wrapArrows = (text: string, width: number): string[] =>
  text.split(' -> ').reduce<string[]>((lines, part, i, parts) => {
    const piece = i < parts.length - 1 ? `${part} ->` : part;
    if (lines.length > 0 && lines[lines.length - 1].length + 1 + piece.length <= width) lines[lines.length - 1] += ` ${piece}`;
    else lines.push(piece);
    return lines;
  }, []);

const perDataset = (f: (d: (typeof DATASETS)[number]) => string): string => DATASETS.map(f).join(' / ');
const hiddenText = (h: number[]) => (h.length === 0 ? 'none' : h.join(','));
const users = (key: Parameters<typeof takenBy>[0]) => takenBy(key).join(', ');

export const HELP = `Usage: pnpm demo [options]            (from the repository root)
       node --conditions=@nn/source --import tsx apps/demo/src/cli.ts [options]

       pnpm demo --task char-lm [options]  (a character-level Transformer vs an LSTM language
                                            model on a bundled text; --task char-lm --help)

Trains an MLP (or, on Fashion-MNIST, a small CNN: --model cnn) with @nn (data, layers, optim,
train): a seeded train/val split, a shuffling DataLoader, fit() with per-epoch validation and a
progress bar, then prints the per-epoch results, the accuracy (or MSE) on a held-out test set, a
confusion matrix, and saves the model.
The choices below carry PyTorch's names (torch.nn, torch.nn.init, torch.optim, lr_scheduler).

Data:
  --dataset D        spiral (default): 3-class spiral, ${thousands(SPIRAL.samples)} points, noise ${SPIRAL.noise}; test: ${thousands(SPIRAL.testSamples)} fresh points
                     linreg: y = ${LINREG.weights[0]}*x1 - ${-LINREG.weights[1]}*x2 + ${LINREG.bias} + N(0, ${LINREG.noise}^2), ${thousands(LINREG.samples)} samples; test: ${thousands(LINREG.testSamples)} fresh
                     fashion-mnist: Zalando's 28x28 clothing images, 10 classes, 60,000 train
                       and 10,000 test images, read from the IDX files (see --data)
                     Train/val split with randomSplit (seeded): ${VAL_FRACTION.spiral * 100}% val (fashion-mnist: ${VAL_FRACTION['fashion-mnist'] * 100}%).
  --data DIR         fashion-mnist only: directory with train-images-idx3-ubyte,
                     train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
                     (each plain or .gz). Default: the first of
${defaultFashionDirs()
  .map((p) => `                       ${p}`)
  .join('\n')}
                     (Debian: apt-get install dataset-fashion-mnist)
  --samples N        points to generate (spiral, linreg), or training images to use (the first N
                     of 60,000, for quick fashion-mnist runs); default: all / as above

Model (a hidden layer is Linear -> norm -> activation -> dropout):
  --model M          mlp (default): the MLP the flags below shape
                     cnn: fashion-mnist only, a fixed convolutional network (torch.nn names):
${wrapArrows(cnnText(784, 10, 0), 70)
  .map((l) => `                       ${l}`)
  .join('\n')}
                       (Dropout(P) before the last Linear with --dropout; --hidden, --activation,
                       --norm, --residual and --init do not apply); batch ${CNN_DEFAULTS.batchSize}, ${CNN_DEFAULTS.epochs} epochs by default
  --hidden H         widths of the hidden layers, e.g. 64,64, or 'none' for a linear model
                     (${perDataset((d) => hiddenText(DATASET_DEFAULTS[d].hidden))})
  --activation A     after every hidden layer; torch.nn (default ${DEFAULTS.activation}):
${list(ACTIVATION_NAMES.map((k) => [k, `${ACTIVATIONS[k].torch}${ACTIVATIONS[k].note ? `: ${ACTIVATIONS[k].note}` : ''}`]))}
  --norm N           after every hidden Linear (default ${DEFAULTS.norm}):
${list(NORM_NAMES.map((k) => [k, NORMS[k].torch ?? 'no normalization']))}
                     (with batchnorm, a last training batch of 1 example is dropped)
  --dropout P        Dropout(P) after every hidden activation, P in [0, 1) (default 0: none)
  --residual         wrap every hidden layer in a Residual, y = x + layer(x); where the widths
                     differ a bias-free Linear projects x
  --init I           how the Linear weights start; torch.nn.init (default: ${DEFAULTS.init}):
${list(INIT_NAMES.map((k) => [k, INITS[k].torch]))}
                     kaiming and xavier use calculate_gain of the activation after the layer (1
                     for the output layer); every choice but default sets the biases to 0

Optimizer (PyTorch's defaults, except SGD's momentum):
  --optimizer O      torch.optim (default ${DEFAULTS.optimizer}):
${list(OPTIMIZER_NAMES.map((k) => [k, optimizerText(k, OPTIMIZERS[k].defaults)]))}
                     (Lion is not in torch.optim: Chen et al. 2023, sign updates, a smaller lr)
  --lr X             learning rate; default per optimizer, for spiral / linreg / fashion-mnist:
${list(OPTIMIZER_NAMES.map((k) => [k, perDataset((d) => String(OPTIMIZERS[k].lr[d]))]))}
  --momentum X       momentum factor in [0, 1) (${users('momentum')})
  --nesterov         Nesterov momentum (${users('nesterov')}; needs --momentum > 0)
  --betas B1,B2      decay rates of the moment averages, each in [0, 1) (${users('betas')});
  --beta1 X          or set one of them
  --beta2 X
  --eps X            >= 0, added to the denominator (${users('eps')})
  --weight-decay X   >= 0 (all): an L2 term in the gradient; adamw and lion decay the weights
                     directly (decoupled), p <- p - lr*wd*p
  --alpha X          smoothing constant of the squared-gradient average, in [0, 1) (${users('alpha')})
                     A flag the optimizer does not take is an error, not silently ignored.

Learning-rate schedule (stepped after every epoch unless noted):
  --schedule S       torch.optim.lr_scheduler (default ${DEFAULTS.schedule}):
${list(SCHEDULE_NAMES.map((k) => [k, SCHEDULES[k].help]))}
  --step-size N      step: epochs between decays (default: a third of --epochs)
  --gamma X          in (0, 1]: step's factor (default 0.1), exponential's (default 0.9)
  --warmup-epochs N  warmup-cosine: warm-up epochs, fewer than --epochs (default: a tenth of them)
  --t0 N             restarts: epochs until the first restart (default: a third of --epochs)
  --t-mult N         restarts: each period is N times the previous one (default 1)
  --eta-min X        cosine, warmup-cosine, restarts: the lowest lr (default 0)
  --max-lr X         onecycle: the peak lr (default: --lr)
                     A flag the schedule does not take is an error.

Training (defaults per data set: spiral / linreg / fashion-mnist):
  --epochs N         (${perDataset((d) => String(DATASET_DEFAULTS[d].epochs))})
  --batch-size N     (${perDataset((d) => String(DATASET_DEFAULTS[d].batchSize))})
  --patience N       early stopping: stop when the val loss has not improved for N epochs and
                     restore the weights of the best epoch (default: off, train every epoch)
  --seed N           seeds the data, the split, the initialization and the shuffling (default ${DEFAULTS.seed});
                     the same seed gives the same run
  --overfit-batch    instead of training: @nn/train's overfitBatch, the first sanity check. The
                     model and optimizer above train on ${OVERFIT.examples} training examples; a healthy setup
                     memorizes them (loss falls, ~100% accuracy, no NaN or all-zero gradients).
                     Prints the verdict; exit code 0 if it passes, 1 if not. Not with the flags
                     that only concern training (--epochs, --schedule, --history, --out, ...)
  --overfit-steps N  steps of --overfit-batch (default ${OVERFIT.steps})

Output:
  --out PATH         where to save the trained weights (safetensors, PyTorch's names: 0.weight,
                     0.bias, 2.weight, ...); default <tmpdir>/nn-demo/<dataset>.safetensors,
                     here ${defaultOut('spiral')}
  --history FILE     write the per-epoch logs (epoch, loss, accuracy, valLoss, valAccuracy, lr,
                     seconds) to FILE, ${HISTORY_EXTENSIONS.join(' or ')} by its extension (JSON also records
                     the run's settings); written atomically
  --progress         draw the progress bar (and per-epoch lines) on stderr even if it is not a terminal
  --no-progress      never draw it (default: drawn when stderr is a terminal)

Backend:
  --backend B        cpu (default, pure TypeScript), wasm (@nn/wasm-backend: WebAssembly SIMD,
                     up to 2 threads) or webgpu (@nn/webgpu-backend via Dawn; needs a Vulkan driver,
                     e.g. SwiftShader: see packages/webgpu-backend)

  -h, --help         show this help and exit

Exit codes: 0 ok; 1 the run failed (data not found or unreadable, backend unavailable, cannot
save, --overfit-batch check failed); 2 bad flags.`;
