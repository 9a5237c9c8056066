/**
 * An in-process wake-up for the dispatcher: whoever commits event rows in this process calls `notifyOutbox()`, so
 * deliveries start at once instead of at the next poll. Other instances find them by polling.
 */
const listeners = new Set<() => void>();

export function notifyOutbox(): void {
  for (const listener of listeners) listener();
}

/** Returns the function that stops listening. */
export function onOutbox(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
