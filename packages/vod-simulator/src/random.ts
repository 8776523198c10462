/** A seeded pseudo-random source (mulberry32): the same seed gives the same faults and ids. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability `p`. */
  chance(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.next() < p;
  }

  /** A fixed value, or an integer in [min, max]. */
  between(range: number | [number, number]): number {
    if (typeof range === 'number') return range;
    return range[0] + Math.floor(this.next() * (range[1] - range[0] + 1));
  }

  /** 32 lower-case hex characters, like VOD's ids. */
  hexId(): string {
    let id = '';
    for (let i = 0; i < 4; i++) {
      id += Math.floor(this.next() * 2 ** 32)
        .toString(16)
        .padStart(8, '0');
    }
    return id;
  }
}
