/** Where time comes from; injected so tests can run expiry in milliseconds. @public */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real clock. @public */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can move by hand. @public */
export class ManualClock implements Clock {
  #t: number;
  constructor(start: number | Date = Date.now()) {
    this.#t = typeof start === "number" ? start : start.getTime();
  }
  now(): number {
    return this.#t;
  }
  set(t: number | Date): void {
    this.#t = typeof t === "number" ? t : t.getTime();
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}
