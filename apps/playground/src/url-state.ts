/**
 * The configuration in the URL's hash (`#dataset=xor&hidden=8,8&...`), so a setting is a link to
 * share. Only values that differ from the defaults are written; unknown or invalid entries are
 * ignored (a link from an older version still opens).
 */
import { ACTIVATIONS, BACKENDS, type Config, DATASETS, DEFAULTS, INITS, LOSSES, NORMS, OPTIMIZERS, SCHEDULES } from './config.js';

type Kind = 'number' | 'boolean' | 'list' | 'choices' | Record<string, unknown>;

/** How each field is parsed: a number, a boolean, a list of positive integers, or one of a table's keys. */
const FIELDS: { [K in keyof Config]: Kind } = {
  dataset: DATASETS,
  samples: 'number',
  noise: 'number',
  valSplit: 'number',
  seed: 'number',
  hidden: 'list',
  activation: ACTIVATIONS,
  norm: NORMS,
  dropout: 'number',
  residual: 'boolean',
  init: INITS,
  loss: LOSSES,
  optimizer: OPTIMIZERS,
  lr: 'number',
  momentum: 'number',
  nesterov: 'boolean',
  beta1: 'number',
  beta2: 'number',
  alpha: 'number',
  weightDecay: 'number',
  schedule: SCHEDULES,
  stepEpochs: 'number',
  gamma: 'number',
  warmupEpochs: 'number',
  restartEpochs: 'number',
  restartMult: 'number',
  batchSize: 'number',
  epochs: 'number',
  earlyStopping: 'boolean',
  patience: 'number',
  backend: BACKENDS,
  compare: 'choices',
};

function encodeValue(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** The hash for a configuration (without '#'). */
export function encodeConfig(config: Config): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(FIELDS) as (keyof Config)[]) {
    const v = encodeValue(config[key]);
    if (v !== encodeValue(DEFAULTS[key])) params.set(key, v);
  }
  return params.toString();
}

function decodeValue(kind: Kind, raw: string): unknown {
  if (kind === 'number') {
    const n = Number(raw);
    return raw !== '' && Number.isFinite(n) ? n : undefined;
  }
  if (kind === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : undefined;
  if (kind === 'list') {
    if (raw === '') return [];
    const xs = raw.split(',').map(Number);
    return xs.every((x) => Number.isInteger(x) && x >= 1 && x <= 256) && xs.length <= 8 ? xs : undefined;
  }
  if (kind === 'choices') {
    const xs = raw === '' ? [] : raw.split(',');
    return xs.every((x) => x in OPTIMIZERS) ? xs : undefined;
  }
  return raw in kind ? raw : undefined;
}

/** A configuration from a hash (with or without '#'): the defaults overridden by valid entries. */
export function decodeConfig(hash: string): Config {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const config = structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
  for (const [key, raw] of params) {
    const kind = FIELDS[key as keyof Config];
    if (kind === undefined) continue;
    const v = decodeValue(kind, raw);
    if (v !== undefined) config[key] = v;
  }
  return config as unknown as Config;
}
