/**
 * Hidden neurons of small networks, as playground.tensorflow.org draws them: each unit's activation
 * over the input plane (orange negative, blue positive, scaled per unit), one column per layer.
 */
import { el } from '../dom.js';
import type { Pictures } from '../protocol.js';
import { diverging, paintGrid } from './colors.js';

const THUMB = 44;

export class NeuronsPanel {
  private readonly body: HTMLElement;

  constructor(parent: HTMLElement) {
    this.body = el('div', { class: 'neurons' });
    parent.append(this.body);
  }

  clear(message: string): void {
    delete this.body.dataset.shape;
    this.body.replaceChildren(el('p', { class: 'hint', text: message }));
  }

  show(p: Pictures): void {
    if (p.neurons === null) return;
    const g = p.neuronGrid;
    const shape = p.neurons.map((l) => l.units).join(',');
    // Canvases are made once per architecture and repainted after that.
    if (this.body.dataset.shape !== shape)
      this.build(
        p.neurons.map((l) => l.units),
        shape,
      );
    const layers = this.body.querySelectorAll('.neuron-units');
    p.neurons.forEach(({ units, values }, layer) => {
      const canvases = layers[layer].children;
      for (let u = 0; u < units; u++) {
        let scale = 1e-12;
        for (let i = 0; i < g * g; i++) scale = Math.max(scale, Math.abs(values[i * units + u]));
        const canvas = canvases[u] as HTMLCanvasElement;
        canvas.title = `layer ${layer + 1}, unit ${u + 1}: max |activation| ${scale.toPrecision(3)}`;
        paintGrid(canvas, g, (i) => diverging(values[i * units + u] / scale));
      }
    });
  }

  private build(units: number[], shape: string): void {
    this.body.dataset.shape = shape;
    this.body.replaceChildren(
      ...units.map((n, layer) =>
        el(
          'div',
          { class: 'neuron-layer' },
          el('div', { class: 'neuron-title', text: `hidden ${layer + 1}` }),
          el('div', { class: 'neuron-units' }, ...Array.from({ length: n }, () => el('canvas', { width: THUMB, height: THUMB }))),
        ),
      ),
    );
  }
}
