/** Messages between the page and the training worker (both directions are typed unions). */
import type { BackendName, Config, OptimizerName } from './config.js';

export interface BackendStatus {
  ok: boolean;
  /** "2 threads", the adapter's name, or why the backend is unavailable. */
  detail: string;
}

export type Request =
  | { type: 'configure'; config: Config; digitsUrl: string | null }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'setBackend'; backend: BackendName }
  | { type: 'overfit' }
  | { type: 'exportWeights' }
  | { type: 'importWeights'; bytes: Uint8Array }
  | { type: 'compare'; optimizers: OptimizerName[]; epochs: number }
  | { type: 'landscape'; resolution: number; span: number }
  | { type: 'graph'; expression: string; values: Record<string, number> };

/** The data, for drawing: points in the plane (or regression pairs), a flag per point for validation. */
export interface DataInfo {
  task: 'classification' | 'regression';
  classes: number;
  inputs: number;
  /** [n, 2] for planar classification; [n, 1] x and `targets` for regression; empty for digits. */
  points: Float32Array;
  labels: Int32Array;
  targets: Float32Array;
  isVal: Uint8Array;
  /** Drawing window: [xmin, xmax, ymin, ymax]. */
  extent: [number, number, number, number];
  /** Digits only: the first validation images (64 values each, 0..1) with their labels. */
  images: Float32Array;
  imageLabels: Int32Array;
}

/** One forward pass over a grid (or the sample images), for the pictures. */
export interface Pictures {
  /** Classification: [grid*grid, classes] probabilities; regression: [grid] predictions along x. */
  output: Float32Array;
  grid: number;
  /** Hidden layers' outputs on a coarser grid, for small networks: one [grid², units] array per layer. */
  neurons: { units: number; values: Float32Array }[] | null;
  neuronGrid: number;
  /** Digits: predicted class of each shown image. */
  predictions: Int32Array;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  valLoss: number;
  accuracy: number | null;
  valAccuracy: number | null;
  seconds: number;
  backend: BackendName;
  /** Live tensors in the worker after the epoch (flat over epochs: nothing leaks). */
  tensors: number;
}

export interface GraphNode {
  id: number;
  /** v1, v2, ... as in the lecture's evaluation trace. */
  name: string;
  /** x1 or "v1 · v2" */
  expr: string;
  /** The library's backward step (`MulBackward`, ...) or 'input'. */
  gradFn: string;
  value: number;
  /** ∂f/∂v: the adjoint. */
  grad: number;
  depth: number;
}

export type Reply =
  | { type: 'backends'; status: Record<BackendName, BackendStatus> }
  | { type: 'ready'; data: DataInfo; parameters: number; summary: string; stepsPerEpoch: number; layers: string[] }
  | {
      type: 'state';
      state: 'idle' | 'running' | 'paused' | 'done';
      epoch: number;
      backend: BackendName;
      bestEpoch: number | null;
      note: string;
    }
  | { type: 'epoch'; log: EpochLog; lrs: [number, number][]; gradNorms: { steps: number[]; values: number[][] } }
  | { type: 'pictures'; pictures: Pictures }
  | { type: 'overfit'; ok: boolean; initialLoss: number; finalLoss: number; accuracy: number | null; problems: string[]; steps: number }
  | { type: 'weights'; bytes: Uint8Array }
  | { type: 'imported'; tensors: number }
  | { type: 'compareEpoch'; optimizer: OptimizerName; epoch: number; loss: number; valLoss: number }
  | { type: 'compareDone'; seconds: number }
  | { type: 'landscape'; resolution: number; span: number; losses: Float32Array; center: number; seconds: number }
  | { type: 'graph'; nodes: GraphNode[]; edges: [number, number][]; dot: string; output: number }
  | { type: 'error'; context: string; message: string };
