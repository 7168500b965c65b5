/**
 * The CreateSession request quota as a token bucket (`--tps N`): N tokens a
 * second, up to a burst of N (the service documents the rate, 10 per second
 * per account and Region by default, not its burst; a burst equal to one
 * second's worth is this emulator's choice). One bucket per account and
 * Region. Pure: the caller passes the time.
 */

/** One token bucket. @public */
export class TokenBucket {
  #tokens: number;
  #last: number | undefined;
  /**
   * @param rate tokens added per second (> 0)
   * @param burst capacity (default `rate`, at least 1)
   */
  constructor(
    readonly rate: number,
    readonly burst: number = Math.max(1, rate),
  ) {
    this.#tokens = this.burst;
  }
  /** Takes one token at time `now` (ms); false when the bucket is empty (the request is throttled). */
  take(now: number): boolean {
    if (this.#last !== undefined && now > this.#last) this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.rate);
    if (this.#last === undefined || now > this.#last) this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }
  /** Milliseconds from `now` until a token is available (0 when one is). */
  waitMs(now: number): number {
    const t = this.#last !== undefined && now > this.#last ? Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.rate) : this.#tokens;
    return t >= 1 ? 0 : Math.ceil(((1 - t) / this.rate) * 1000);
  }
}

/** Token buckets keyed by account and Region. @public */
export class RequestQuota {
  readonly #buckets = new Map<string, TokenBucket>();
  constructor(
    readonly tps: number,
    readonly burst: number = Math.max(1, tps),
  ) {}
  /** Takes a token for `accountId` in `region` at `now` (ms); false → throttle. */
  take(accountId: string, region: string, now: number): boolean {
    const key = `${accountId}/${region}`;
    let b = this.#buckets.get(key);
    if (!b) {
      b = new TokenBucket(this.tps, this.burst);
      this.#buckets.set(key, b);
    }
    return b.take(now);
  }
}
