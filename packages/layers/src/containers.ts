import * as T from '@nn/tensor';
import { ShapeError, type Tensor, ValueRangeError } from '@nn/tensor';
import { Module } from './module.js';

/** Runs modules in order; children are named 0, 1, 2, ... like torch.nn.Sequential. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new ValueRangeError(`Sequential: argument ${i} is not a Module`);
    });
    this.layers = layers;
  }
  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }
  override get length(): number {
    return this.layers.length;
  }
  at(i: number): Module {
    const m = this.layers.at(i);
    if (m === undefined) throw new ValueRangeError(`Sequential: index ${i} is out of range for ${this.layers.length} layers`);
    return m;
  }
  forward(x: Tensor): Tensor {
    // Intermediate activations are disposed as soon as the next layer has consumed them.
    let h = x;
    for (const m of this.layers) {
      const next = m(h) as Tensor;
      if (h !== x) h.dispose();
      h = next;
    }
    return h === x ? T.reshape(x, x.shape) : h;
  }
}

/** A list of modules registered as children (indexable, iterable). */
export class ModuleList extends Module {
  readonly items: Module[];
  constructor(modules: Module[] = []) {
    super();
    this.items = [...modules];
  }
  override namedChildren(): [string, Module][] {
    return this.items.map((m, i) => [String(i), m]);
  }
  append(m: Module): this {
    this.items.push(m);
    return this;
  }
  override get length(): number {
    return this.items.length;
  }
  at(i: number): Module {
    const m = this.items.at(i);
    if (m === undefined) throw new ValueRangeError(`ModuleList: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }
  forward(): never {
    throw new ValueRangeError('ModuleList: a ModuleList has no forward; iterate over it in your own forward');
  }
}

/** y = f(x) + x, or f(x) + projection(x) when the shapes differ. */
export class Residual extends Module {
  constructor(readonly body: Module, readonly projection: Module | null = null) {
    super();
  }
  forward(x: Tensor): Tensor {
    const fx = this.body(x) as Tensor;
    const skip = this.projection === null ? x : (this.projection(x) as Tensor);
    if (fx.ndim !== skip.ndim || fx.shape.some((d, i) => d !== skip.shape[i])) {
      throw new ShapeError(`Residual: the body's output [${fx.shape.join(',')}] and the skip path [${skip.shape.join(',')}] differ; pass a projection`);
    }
    const y = T.add(fx, skip);
    fx.dispose();
    if (skip !== x) skip.dispose();
    return y;
  }
}
