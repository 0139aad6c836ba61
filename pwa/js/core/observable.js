// A value the screens can follow (the sync status, the shell's update and install prompts): one
// kind for the whole app, so every follower sees the same thing — set replaces the value and
// tells each listener the new one; a listener reads the current value with get when it starts.

/** A value that can be read, replaced and followed: {get, set, subscribe(fn) → unsubscribe}. */
export function observable(initial) {
  let value = initial;
  const listeners = new Set();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const fn of listeners) fn(value);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
