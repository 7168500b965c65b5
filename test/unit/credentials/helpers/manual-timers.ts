import type { ManualClock } from "../../../../src/clock.js";
import type { RefresherTimers } from "../../../../src/credentials/refresher.js";

/** Lets every pending promise callback run (setImmediate comes after the microtasks). */
export const settle = () => new Promise<void>((r) => setImmediate(r));

/**
 * Timers driven by a ManualClock: nothing fires until the test moves time with
 * advanceTo()/runNext(), which set the clock to each timer's due time in order.
 */
export class ManualTimers implements RefresherTimers {
  #seq = 0;
  readonly #pending = new Map<number, { at: number; fn: () => void }>();
  constructor(private readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#pending.set(id, { at: this.clock.now() + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }
  get size(): number {
    return this.#pending.size;
  }
  /** Due time of the earliest pending timer. */
  nextAt(): number | undefined {
    let best: number | undefined;
    for (const t of this.#pending.values()) if (best === undefined || t.at < best) best = t.at;
    return best;
  }
  /** Fires the earliest timer (moving the clock to its due time) and settles. */
  async runNext(): Promise<boolean> {
    let bestId: number | undefined;
    let best: { at: number; fn: () => void } | undefined;
    for (const [id, t] of this.#pending) if (!best || t.at < best.at) [bestId, best] = [id, t];
    if (!best || bestId === undefined) return false;
    this.#pending.delete(bestId);
    if (best.at > this.clock.now()) this.clock.set(best.at);
    best.fn();
    await settle();
    return true;
  }
  /** Fires, in order, every timer due up to `t`, then sets the clock to `t`. */
  async advanceTo(t: number): Promise<void> {
    for (let next = this.nextAt(); next !== undefined && next <= t; next = this.nextAt()) await this.runNext();
    if (t > this.clock.now()) this.clock.set(t);
    await settle();
  }
}
