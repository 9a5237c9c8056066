/**
 * An in-process signal that orders changed, fired after the commit that changed them (confirmer passes, expiry,
 * cancel), so live checkout pages re-read their order at once instead of at their next re-check. Other API
 * instances do not hear it: their pages find the change at the re-check (see checkout/status-stream.ts).
 */
type Listener = (orderIds: readonly string[] | undefined) => void;

const listeners = new Set<Listener>();

/** `orderIds` undefined: some orders changed, which ones is not known here (every listener re-checks). */
export function notifyOrderChanges(orderIds?: readonly string[]): void {
  for (const listener of listeners) {
    try {
      listener(orderIds);
    } catch {
      // A listener's failure is its own; the committer goes on.
    }
  }
}

/** Returns the function that stops listening. */
export function onOrderChanges(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
