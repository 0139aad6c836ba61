// Reading for the screens: useLive runs a Dexie query as a liveQuery and re-renders when the
// tables it read change; useObservable follows an observable (core/observable.js: sync.status).

import { liveQuery } from 'dexie';
import { useEffect, useState } from 'preact/hooks';

/** The answer of `query` (a function reading store.db), kept current; undefined until the first
 * answer. `deps` restart the query, as with useEffect. */
export function useLive(query, deps = []) {
  const [state, setState] = useState({ value: undefined, error: null });
  useEffect(() => {
    const subscription = liveQuery(query).subscribe({
      next: (value) => setState({ value, error: null }),
      error: (error) => {
        console.error('live query failed', error);
        setState({ value: undefined, error });
      },
    });
    return () => subscription.unsubscribe();
  }, deps);
  return state.value;
}

/** The current value of an observable ({get, subscribe}), re-rendering when it changes. */
export function useObservable(source) {
  const read = () => source?.get();
  const [value, setValue] = useState(read);
  useEffect(() => {
    if (!source) return undefined;
    setValue(read);
    return source.subscribe(() => setValue(read));
  }, [source]);
  return value;
}
