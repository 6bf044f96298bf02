/**
 * The settings form (data, model, training, schedule), generated from one table of fields. Each
 * edit produces a new configuration; fields that do not apply (momentum for Adam, ...) are hidden.
 */
import { ACTIVATIONS, type Config, DATASETS, INITS, LOSSES, NORMS, OPTIMIZERS, SCHEDULES, keysOf, lossFits } from '../config.js';
import { el, fmt, options } from '../dom.js';

type Key = keyof Config;
type Show = (c: Config) => boolean;

type Field =
  | { key: Key; label: string; kind: 'select'; choices: (c: Config) => ([string, string] | [string, string, string])[]; show?: Show }
  | { key: Key; label: string; kind: 'number' | 'range'; min: number; max: number; step: number; show?: Show; hint?: string }
  | { key: Key; label: string; kind: 'checkbox'; show?: Show }
  | { key: 'hidden'; label: string; kind: 'layers'; show?: Show };

const table = (t: Record<string, string>): [string, string][] => Object.entries(t);
const usesMomentum: Show = (c) => c.optimizer === 'sgd' || c.optimizer === 'rmsprop';
const usesBetas: Show = (c) => ['adam', 'adamw', 'adamax', 'lion'].includes(c.optimizer);
const planarOrRegression: Show = (c) => c.dataset !== 'digits';

const SECTIONS: [string, Field[]][] = [
  [
    'Data',
    [
      { key: 'dataset', label: 'Dataset', kind: 'select', choices: () => table(DATASETS) },
      { key: 'samples', label: 'Samples', kind: 'range', min: 50, max: 1000, step: 50, show: planarOrRegression },
      { key: 'noise', label: 'Noise', kind: 'range', min: 0, max: 0.5, step: 0.05, show: planarOrRegression },
      { key: 'valSplit', label: 'Validation share', kind: 'range', min: 0.1, max: 0.5, step: 0.05 },
      { key: 'seed', label: 'Seed', kind: 'number', min: 0, max: 1e6, step: 1 },
    ],
  ],
  [
    'Model',
    [
      { key: 'hidden', label: 'Hidden layers', kind: 'layers' },
      { key: 'activation', label: 'Activation', kind: 'select', choices: () => table(ACTIVATIONS) },
      { key: 'norm', label: 'Normalization', kind: 'select', choices: () => table(NORMS) },
      { key: 'dropout', label: 'Dropout', kind: 'range', min: 0, max: 0.6, step: 0.05 },
      { key: 'residual', label: 'Residual connections', kind: 'checkbox' },
      { key: 'init', label: 'Initialization', kind: 'select', choices: () => table(INITS) },
    ],
  ],
  [
    'Training',
    [
      {
        key: 'loss',
        label: 'Loss',
        kind: 'select',
        choices: (c) =>
          keysOf(LOSSES)
            .filter((l) => lossFits(l, c.dataset))
            .map((l) => [l, LOSSES[l].label]),
      },
      { key: 'optimizer', label: 'Optimizer', kind: 'select', choices: () => table(OPTIMIZERS) },
      { key: 'lr', label: 'Learning rate', kind: 'number', min: 0, max: 10, step: 0.001 },
      { key: 'momentum', label: 'Momentum', kind: 'range', min: 0, max: 0.99, step: 0.01, show: usesMomentum },
      { key: 'nesterov', label: 'Nesterov', kind: 'checkbox', show: (c) => c.optimizer === 'sgd' },
      { key: 'beta1', label: 'β₁', kind: 'number', min: 0, max: 0.999, step: 0.01, show: usesBetas },
      { key: 'beta2', label: 'β₂', kind: 'number', min: 0, max: 0.9999, step: 0.001, show: usesBetas },
      { key: 'alpha', label: 'α (RMSprop)', kind: 'number', min: 0, max: 0.9999, step: 0.01, show: (c) => c.optimizer === 'rmsprop' },
      { key: 'weightDecay', label: 'Weight decay', kind: 'number', min: 0, max: 1, step: 0.0001 },
      { key: 'batchSize', label: 'Batch size', kind: 'number', min: 1, max: 1024, step: 1 },
      { key: 'epochs', label: 'Epochs', kind: 'number', min: 1, max: 5000, step: 1 },
      { key: 'earlyStopping', label: 'Early stopping (val loss)', kind: 'checkbox' },
      { key: 'patience', label: 'Patience (epochs)', kind: 'number', min: 1, max: 500, step: 1, show: (c) => c.earlyStopping },
    ],
  ],
  [
    'Learning-rate schedule',
    [
      { key: 'schedule', label: 'Schedule', kind: 'select', choices: () => table(SCHEDULES) },
      { key: 'stepEpochs', label: 'Step every (epochs)', kind: 'number', min: 1, max: 1000, step: 1, show: (c) => c.schedule === 'step' },
      {
        key: 'gamma',
        label: 'γ (factor)',
        kind: 'number',
        min: 0.01,
        max: 1,
        step: 0.01,
        show: (c) => c.schedule === 'step' || c.schedule === 'exponential',
      },
      {
        key: 'warmupEpochs',
        label: 'Warm-up (epochs)',
        kind: 'number',
        min: 0.1,
        max: 1000,
        step: 0.5,
        show: (c) => c.schedule.startsWith('warmup'),
      },
      {
        key: 'restartEpochs',
        label: 'First cycle (epochs)',
        kind: 'number',
        min: 1,
        max: 1000,
        step: 1,
        show: (c) => c.schedule === 'restarts',
      },
      { key: 'restartMult', label: 'Cycle growth ×', kind: 'number', min: 1, max: 4, step: 1, show: (c) => c.schedule === 'restarts' },
    ],
  ],
];

export interface Settings {
  update(c: Config): void;
}

function parseLayers(text: string): number[] | null {
  if (text.trim() === '') return [];
  const xs = text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
  return xs.every((x) => Number.isInteger(x) && x >= 1 && x <= 256) && xs.length <= 8 ? xs : null;
}

/** Datasets this build cannot load (the digits when not bundled), with the reason. */
export function settingsForm(
  root: HTMLElement,
  onChange: (patch: Partial<Config>) => void,
  unavailable: Partial<Record<string, string>> = {},
): Settings {
  const rows: { field: Field; row: HTMLElement; input: HTMLInputElement | HTMLSelectElement; out: HTMLOutputElement }[] = [];
  for (const [title, fields] of SECTIONS) {
    const section = el('fieldset', { class: 'section' }, el('legend', { text: title }));
    for (const field of fields) {
      const out = el('output');
      let input: HTMLInputElement | HTMLSelectElement;
      if (field.kind === 'select') input = el('select', { name: field.key });
      else if (field.kind === 'checkbox') input = el('input', { type: 'checkbox', name: field.key });
      else if (field.kind === 'layers')
        input = el('input', {
          type: 'text',
          name: field.key,
          placeholder: 'e.g. 16, 16',
          title: 'units per hidden layer, comma-separated (empty: a linear model)',
        });
      else input = el('input', { type: field.kind, name: field.key, min: field.min, max: field.max, step: field.step });
      const row = el('label', { class: `field field-${field.kind}`, 'data-key': field.key }, el('span', { text: field.label }), input, out);
      const commit = () => {
        let v: unknown;
        if (field.kind === 'checkbox') v = (input as HTMLInputElement).checked;
        else if (field.kind === 'select') v = input.value;
        else if (field.kind === 'layers') {
          v = parseLayers(input.value);
          input.classList.toggle('invalid', v === null);
          if (v === null) return;
        } else {
          v = Number(input.value);
          if (!Number.isFinite(v)) return;
        }
        onChange({ [field.key]: v } as Partial<Config>);
      };
      input.addEventListener('change', commit);
      if (field.kind === 'range') input.addEventListener('input', () => (out.textContent = fmt(Number(input.value))));
      section.append(row);
      rows.push({ field, row, input, out });
    }
    root.append(section);
  }
  return {
    update(c: Config) {
      for (const { field, row, input, out } of rows) {
        row.hidden = field.show !== undefined && !field.show(c);
        const v = c[field.key];
        if (field.kind === 'select') {
          const choices = field
            .choices(c)
            .map(
              ([k, label]) =>
                (unavailable[k] === undefined ? [k, label] : [k, `${label} (unavailable)`, unavailable[k]!]) as
                  | [string, string]
                  | [string, string, string],
            );
          options(input as HTMLSelectElement, choices, String(v));
        } else if (field.kind === 'checkbox') (input as HTMLInputElement).checked = Boolean(v);
        else if (field.kind === 'layers') {
          input.value = (v as number[]).join(', ');
          input.classList.remove('invalid');
        } else {
          input.value = String(v);
          if (field.kind === 'range') out.textContent = fmt(v as number);
        }
      }
    },
  };
}
