import type { Tensor, Variable } from '@tensorflow/tfjs';
import type { Tf } from './tf.js';

/**
 * AdamW written out rather than tf.train.adam, because the learning rate changes every step
 * (warmup + schedule) and TracIn needs to know exactly which rate each step used.
 */
export class AdamW {
  private m = new Map<string, Tensor>();
  private v = new Map<string, Tensor>();
  private t = 0;

  constructor(
    private readonly tf: Tf,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
    private readonly weightDecay = 0,
  ) {}

  step(vars: Record<string, Variable>, grads: Record<string, Tensor>, lr: number, clipNorm = 1): number {
    const tf = this.tf;
    this.t++;
    const names = Object.keys(vars);
    const norm = tf.tidy(() => Math.sqrt(names.reduce((acc, n) => acc + (tf.sum(tf.square(grads[n])).dataSync()[0] ?? 0), 0)));
    const clip = norm > clipNorm ? clipNorm / norm : 1;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    for (const name of names) {
      const g0 = grads[name];
      const [m, v] = tf.tidy(() => {
        const g = tf.mul(g0, clip);
        const m0 = this.m.get(name) ?? tf.zerosLike(g);
        const v0 = this.v.get(name) ?? tf.zerosLike(g);
        return [
          tf.add(tf.mul(m0, this.beta1), tf.mul(g, 1 - this.beta1)),
          tf.add(tf.mul(v0, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)),
        ];
      });
      this.m.get(name)?.dispose();
      this.v.get(name)?.dispose();
      this.m.set(name, m);
      this.v.set(name, v);
      const param = vars[name];
      tf.tidy(() => {
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), this.eps));
        const decayed = this.weightDecay > 0 ? tf.mul(param, 1 - lr * this.weightDecay) : param;
        param.assign(tf.sub(decayed, tf.mul(update, lr)));
      });
    }
    return norm;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Linear warmup then cosine / linear / constant decay, as transformers' schedulers define them. */
export function scheduledLr(
  base: number,
  step: number,
  total: number,
  warmupSteps: number,
  schedule: 'cosine' | 'linear' | 'constant',
): number {
  if (warmupSteps > 0 && step < warmupSteps) return (base * (step + 1)) / warmupSteps;
  if (schedule === 'constant') return base;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, total - warmupSteps));
  if (schedule === 'linear') return base * (1 - progress);
  return base * 0.5 * (1 + Math.cos(Math.PI * progress));
}
