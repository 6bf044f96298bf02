/**
 * Line charts with uPlot (a small canvas chart library): x is epochs; series may contain nulls
 * (not measured yet); an optional vertical marker (the best epoch) is drawn over the plot.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el, fmt } from '../dom.js';

export interface SeriesSpec {
  label: string;
  color: string;
  dash?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel?: string;
  log?: boolean;
  height?: number;
  /** Fixed y range (e.g. [0, 1] for accuracy). */
  yRange?: [number, number];
}

export class LineChart {
  private plot: uPlot;
  private marker: number | null = null;
  readonly root: HTMLElement;

  constructor(
    parent: HTMLElement,
    series: SeriesSpec[],
    readonly options: ChartOptions,
  ) {
    this.root = el('div', { class: 'chart', 'data-chart': options.title });
    parent.append(this.root);
    this.plot = this.create(series);
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: this.options.height ?? 160 })).observe(this.root);
  }

  private width(): number {
    return Math.max(200, this.root.clientWidth || 300);
  }

  private create(series: SeriesSpec[]): uPlot {
    const o = this.options;
    const opts: uPlot.Options = {
      title: o.title,
      width: this.width(),
      height: o.height ?? 160,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false },
        y: o.log ? { distr: 3 } : o.yRange ? { range: o.yRange } : {},
      },
      axes: [
        { label: o.xLabel ?? 'epoch', size: 34, labelSize: 14 },
        { size: 48, values: (_u, vals) => vals.map((v) => fmt(v, 2)) },
      ],
      series: [
        { label: o.xLabel ?? 'epoch' },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          dash: s.dash ? [5, 4] : undefined,
          spanGaps: true,
          points: { show: false },
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            if (this.marker === null) return;
            const x = u.valToPos(this.marker, 'x', true);
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#c2185b';
            ctx.setLineDash([4, 3]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = '#c2185b';
            ctx.font = `${11 * devicePixelRatio}px sans-serif`;
            ctx.fillText(`best ${this.marker}`, x + 4, u.bbox.top + 12 * devicePixelRatio);
            ctx.restore();
          },
        ],
      },
    };
    return new uPlot(opts, [[], ...series.map(() => [])], this.root);
  }

  /** Replaces the series (e.g. one per layer), clearing the data. */
  reset(series: SeriesSpec[]): void {
    this.plot.destroy();
    this.root.replaceChildren();
    this.plot = this.create(series);
  }

  setData(x: number[], ys: (number | null)[][]): void {
    this.plot.setData([x, ...ys] as uPlot.AlignedData);
  }

  setMarker(x: number | null): void {
    if (x === this.marker) return;
    this.marker = x;
    this.plot.redraw(false);
  }
}
