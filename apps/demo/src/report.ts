/** The text of a run's report: the setup lines, the per-epoch table and the confusion matrix. */
import type { EpochLogs } from '@nn/train';
import { cnnText } from './cnn.js';
import type { DemoData } from './data.js';
import { layerText, shapeText } from './model.js';
import type { DemoOptions } from './options.js';
import { optimizerText } from './optimizers.js';
import { lrText, num, pct, table, thousands } from './ui.js';

/** `2-64-64-3 MLP, each hidden layer Linear -> ReLU, default init` */
export function modelText(o: DemoOptions, data: DemoData): string {
  if (o.model === 'cnn') return `cnn ${cnnText(data.inFeatures, data.outFeatures, o.dropout)}`;
  const arch = shapeText(data.inFeatures, o.hidden, data.outFeatures);
  if (o.hidden.length === 0) return `${arch} linear model, ${o.init} init`;
  return `${arch} MLP, each hidden layer ${layerText(o.activation, o)}, ${o.init} init`;
}

/** The lines that say what is about to be trained (model line with the parameter count). */
export function setupLines(o: DemoOptions, data: DemoData, parameters: number): string[] {
  return [
    `  data   ${data.description}; test: ${data.testDescription}`,
    `  model  ${modelText(o, data)}; ${thousands(parameters)} parameters, ${data.task === 'classification' ? 'cross-entropy' : 'MSE'} loss`,
    `  optim  ${optimizerText(o.optimizer, o.hyper, o.lr)}`,
  ];
}

/** Which epochs the table shows: all up to 15, else about 10 evenly spaced plus the last and the final one. */
export function epochRows(n: number, finalEpoch: number): number[] {
  if (n <= 15) return Array.from({ length: n }, (_, i) => i + 1);
  const step = Math.ceil(n / 10);
  const rows = new Set([1, n, finalEpoch]);
  for (let e = step; e < n; e += step) rows.add(e);
  return [...rows].filter((e) => e >= 1).sort((a, b) => a - b);
}

export function historyTable(history: EpochLogs[], classification: boolean, mark: number | null): string {
  const rows = epochRows(history.length, mark ?? history.length);
  const header = classification
    ? ['epoch', 'train loss', 'train acc', 'val loss', 'val acc', 'lr', 'seconds']
    : ['epoch', 'train MSE', 'val MSE', 'lr', 'seconds'];
  const body = rows.map((e) => {
    const h = history[e - 1];
    const epoch = `${e}${mark === e ? ' *' : ''}`;
    return classification
      ? [epoch, num(h.loss), pct(h.accuracy), num(h.valLoss), pct(h.valAccuracy), lrText(h.lr), h.seconds.toFixed(2)]
      : [epoch, num(h.loss), num(h.valLoss), lrText(h.lr), h.seconds.toFixed(2)];
  });
  return table([header, ...body], { align: header.map(() => 'r') });
}

export function confusionTable(m: number[][], classes: string[]): string {
  const header = ['true \\ predicted', ...classes.map((_, j) => String(j)), 'recall'];
  const rows = m.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return [`${i} ${classes[i]}`, ...row.map(String), total === 0 ? '-' : pct(row[i] / total)];
  });
  return table([header, ...rows]);
}
