import type { Rng } from '../core/rng.js';

/**
 * Streaming argmax with a tie rule: 'first' keeps the first maximum (the reference's np.argmax, docs/model.md §5.3),
 * 'random' picks uniformly among exact ties by reservoir sampling with the policy's RNG.
 */
export class ArgMax {
  private best = -Infinity;
  private arm = -1;
  private ties = 0;

  constructor(
    private readonly random: boolean,
    private readonly rng: Rng,
  ) {}

  reset(): void {
    this.best = -Infinity;
    this.arm = -1;
    this.ties = 0;
  }

  offer(arm: number, score: number): void {
    if (score > this.best || this.arm < 0) {
      this.best = score;
      this.arm = arm;
      this.ties = 1;
    } else if (score === this.best && this.random) {
      this.ties++;
      if (this.rng.int(this.ties) === 0) this.arm = arm;
    }
  }

  result(): number {
    return this.arm;
  }
}
