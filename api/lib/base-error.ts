/**
 * The one base for our errors (viem's `BaseError` style): a short message for people, optional `details` for
 * programs, the `cause` it wraps. Callers match errors by class (`instanceof`), never by message text. The API's
 * one base: everything under `api/` (the checkout's browser bundle too) extends it. A leaf: imports nothing.
 */
export type BaseErrorOptions = { details?: unknown; cause?: unknown };

export class BaseError extends Error {
  override name = "BaseError";
  /** The message without anything appended: what the user is shown. */
  readonly shortMessage: string;
  readonly details: unknown;

  constructor(shortMessage: string, { details, cause }: BaseErrorOptions = {}) {
    super(shortMessage, cause === undefined ? undefined : { cause });
    this.shortMessage = shortMessage;
    this.details = details;
  }

  /** This error or the first one down its `cause` chain that `matches` accepts (viem's `walk`). */
  walk(matches: (error: unknown) => boolean): unknown {
    let error: unknown = this;
    const seen = new Set<unknown>();
    while (error !== undefined && error !== null && !seen.has(error)) {
      if (matches(error)) return error;
      seen.add(error);
      error = (error as { cause?: unknown }).cause;
    }
    return undefined;
  }
}
