const REDACTED = "[redacted]";

/**
 * Holds a secret (secret access key, session token, password, token) so that
 * logging, JSON.stringify or util.inspect never reveal it. Call `reveal()` at the
 * one place the value is really needed.
 * @public
 */
export class Secret<T = string> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  // The registered symbol behind util.inspect.custom: importing node:util
  // for it would cost start-up time on every command.
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}
