import type { ManualClock } from "../../../src/clock.js";
import type { RefresherTimers } from "../../../src/credentials/refresher.js";

/**
 * Refresher timers moved by hand on a ManualClock: nothing fires until fireNext(),
 * which sets the clock to the earliest timer's due time and runs it. The work a
 * timer starts (real HTTP, real files) is awaited by the test through events.
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
  /** Due time of the earliest timer, if any. */
  nextAt(): number | undefined {
    let best: number | undefined;
    for (const t of this.#pending.values()) if (best === undefined || t.at < best) best = t.at;
    return best;
  }
  /** Moves the clock to the earliest timer and runs it; false when none is pending. */
  fireNext(): boolean {
    let best: [number, { at: number; fn: () => void }] | undefined;
    for (const entry of this.#pending) if (!best || entry[1].at < best[1].at) best = entry;
    if (!best) return false;
    this.#pending.delete(best[0]);
    if (best[1].at > this.clock.now()) this.clock.set(best[1].at);
    best[1].fn();
    return true;
  }
}
