/**
 * Text the database can hold. Postgres `text` and `jsonb` refuse U+0000, and half of a UTF-16 surrogate pair has
 * no UTF-8 encoding; a request carrying either anywhere in its validated input (body, query, path) is refused
 * with a 422 naming the field, before any query could fail on it.
 */
const UNSTORABLE = /[\u0000\p{Cs}]/u;

export type UnstorableText = { field: string; message: string };

/** Where a value sits: its key and its parent's place, so a path is built only for the one bad string. */
type Place = { key: string | number; parent: Place } | null;

function pathOf(place: Place): string {
  const keys: (string | number)[] = [];
  for (let at = place; at !== null; at = at.parent) keys.push(at.key);
  return keys.reverse().join(".");
}

function check(text: string, place: Place, what: string): UnstorableText | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  const message = found[0] === "\u0000" ? `${what} must not contain the NUL character (U+0000)` : `${what} must be valid Unicode (it holds half a surrogate pair)`;
  return { field: pathOf(place), message };
}

/**
 * The first string (or object key) in `value` that cannot be stored, with its dotted path. Iterative and linear
 * in the input's size, however deeply it nests.
 */
export function findUnstorableText(value: unknown): UnstorableText | undefined {
  const stack: { value: unknown; place: Place }[] = [{ value, place: null }];
  while (stack.length > 0) {
    const { value: current, place } = stack.pop()!;
    if (typeof current === "string") {
      const bad = check(current, place, "the text");
      if (bad) return bad;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], place: { key: i, parent: place } });
    } else if (current !== null && typeof current === "object" && !(current instanceof Date)) {
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const bad = check(key, { key, parent: place }, "the key");
        if (bad) return bad;
        stack.push({ value: child, place: { key, parent: place } });
      }
    }
  }
  return undefined;
}
