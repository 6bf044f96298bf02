/**
 * A 2-D slice of the training loss around the current weights θ: L(θ + α·d1 + β·d2) on a grid of
 * (α, β), with random directions normalized filter by filter (Li et al. 2018, "Visualizing the Loss
 * Landscape of Neural Nets"): each row of a weight matrix (one unit's incoming weights) gets the
 * norm of the same row of θ; 1-D parameters (biases, norms' scales, PReLU slopes) get no direction.
 */
import * as T from '@nn/tensor';
import type { Tensor } from '@nn/tensor';
import { noGrad } from '@nn/autograd';
import type { Post, Session } from './session.js';

function filterNormalizedDirection(p: Tensor): Tensor {
  if (p.ndim < 2) return T.zerosLike(p);
  return T.tidy(() => {
    const d = T.randn(p.shape);
    const rowNorm = (t: Tensor) => T.sqrt(T.sum(T.square(t), 1, true));
    return T.mul(d, T.div(rowNorm(p), T.add(rowNorm(d), 1e-10)));
  });
}

export async function lossLandscape(s: Session, resolution: number, span: number, post: Post): Promise<void> {
  const start = performance.now();
  await s.lock.run(async () => {
    const model = s.model;
    const params = model.parameters();
    const theta = noGrad(() => params.map((p) => T.clone(p)));
    // Directions from their own seed, leaving the training's random stream where it was.
    const rng = T.getRngState();
    T.manualSeed(s.config.seed + 7919);
    const dirs = noGrad(() => [0, 1].map(() => params.map(filterNormalizedDirection)));
    T.setRngState(rng);
    const idx = T.tensor(s.data.train.indices);
    const x = T.indexSelect(s.data.x, 0, idx);
    const y = T.indexSelect(s.data.y, 0, idx);
    const wasTraining = model.training;
    model.eval();
    const losses: Tensor[] = [];
    try {
      for (let r = 0; r < resolution; r++) {
        const beta = span * (1 - (2 * r) / (resolution - 1)); // row 0 at the top: β = +span
        for (let c = 0; c < resolution; c++) {
          const alpha = span * ((2 * c) / (resolution - 1) - 1);
          noGrad(() =>
            T.tidy(() => {
              params.forEach((p, i) => p.copy_(T.add(theta[i], T.add(T.mul(dirs[0][i], alpha), T.mul(dirs[1][i], beta)))));
              losses.push(T.keep(s.loss(model(x) as Tensor, y)));
            }),
          );
        }
      }
      const all = T.stack(losses);
      const values = Float32Array.from(await all.data());
      all.dispose();
      const center = values[Math.floor(resolution / 2) * resolution + Math.floor(resolution / 2)];
      post({ type: 'landscape', resolution, span, losses: values, center, seconds: (performance.now() - start) / 1000 }, [values.buffer]);
    } finally {
      noGrad(() => params.forEach((p, i) => p.copy_(theta[i])));
      model.train(wasTraining);
      for (const t of [...theta, ...dirs.flat(), ...losses, idx, x, y]) t.dispose();
    }
  });
}
