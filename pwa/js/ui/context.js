// What every screen reaches: the signed-in session's store, sync and actions, and the shell's
// observables (update ready, install prompt). Given by <App/>, read with useApp().

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export const AppContext = createContext(null);

/** {me, store, sync, actions, logout, shell: {update, install}} */
export function useApp() {
  return useContext(AppContext);
}
