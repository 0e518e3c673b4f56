/** Latency samples and their percentiles. Bounded: at most `samplesMax` kept (reservoir). */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private seen = 0;

  constructor(private readonly samplesMax = 1_000_000) {
    this.samples = new Float64Array(samplesMax);
  }

  record(ms: number): void {
    if (this.seen < this.samplesMax) this.samples[this.seen] = ms;
    else {
      const slot = Math.floor(Math.random() * (this.seen + 1));
      if (slot < this.samplesMax) this.samples[slot] = ms;
    }
    this.seen += 1;
  }

  get count(): number {
    return this.seen;
  }

  percentiles(): { p50Ms: number; p99Ms: number; p999Ms: number } {
    const kept = this.samples.slice(0, Math.min(this.seen, this.samplesMax)).sort();
    const at = (q: number) => (kept.length === 0 ? NaN : kept[Math.min(kept.length - 1, Math.floor(q * kept.length))]!);
    return { p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999) };
  }
}
