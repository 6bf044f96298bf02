// Charts as SVG files, drawn with Vega-Lite (a declarative grammar: describe the chart, not the
// drawing) and rendered headless by Vega, pure JavaScript, no browser or native addon needed.
import { writeFileSync } from 'node:fs';
import { View, parse } from 'vega';
import { type TopLevelSpec, compile } from 'vega-lite';
import { outFile } from './options.js';

type Row = Record<string, number | string>;

/** Renders a Vega-Lite spec to examples/out/<name>.svg and returns the path. */
export async function saveChart(name: string, spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const path = outFile(`${name}.svg`);
  writeFileSync(path, await view.toSVG());
  view.finalize();
  return path;
}

export interface LineChartOptions {
  title: string;
  x: string;
  y: string;
  /** Field that splits the rows into one line each (and names them in the legend). */
  series?: string;
  logY?: boolean;
  logX?: boolean;
  /** Draw the points too. */
  points?: boolean;
  width?: number;
  height?: number;
}

/** One or more lines: rows of `{ [x]: number, [y]: number, [series]: name }`. */
export function lineChart(name: string, rows: Row[], o: LineChartOptions): Promise<string> {
  return saveChart(name, {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    width: o.width ?? 480,
    height: o.height ?? 280,
    data: { values: rows },
    mark: { type: 'line', clip: true, point: o.points ?? false },
    encoding: {
      x: { field: o.x, type: 'quantitative', ...(o.logX ? { scale: { type: 'log' } } : {}) },
      y: { field: o.y, type: 'quantitative', scale: o.logY ? { type: 'log' } : { zero: false } },
      ...(o.series === undefined ? {} : { color: { field: o.series, type: 'nominal', sort: null } }),
    },
  });
}

/**
 * A classifier's decision regions (a grid of predicted classes as squares) under the data points.
 * `grid` rows are `{ x, y, class }`, `points` rows `{ x, y, label }`; classes and labels share
 * one colour scale, so they are turned into strings.
 */
export function boundaryChart(name: string, title: string, grid: Row[], points: Row[]): Promise<string> {
  const regions = grid.map((r) => ({ ...r, class: String(r.class) }));
  const dots = points.map((r) => ({ ...r, label: String(r.label) }));
  const x = { field: 'x', type: 'quantitative', scale: { zero: false } } as const;
  const y = { field: 'y', type: 'quantitative', scale: { zero: false } } as const;
  return saveChart(name, {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 360,
    layer: [
      {
        data: { values: regions },
        mark: { type: 'square', size: 30, opacity: 0.25 },
        encoding: { x, y, color: { field: 'class', type: 'nominal', title: 'class' } },
      },
      {
        data: { values: dots },
        mark: { type: 'circle', size: 18, opacity: 0.9 },
        encoding: {
          x,
          y,
          color: { field: 'label', type: 'nominal', title: 'class' },
          stroke: { value: 'black' },
          strokeWidth: { value: 0.3 },
        },
      },
    ],
  });
}
