// The state of a console table (docs/admin.md § Tables) and its address: filters, sort column and
// direction, page number, page size and group-by live in the query string, so a reload or a shared
// link lands on the same page. Saved filters are named query strings kept per admin in
// localStorage (any Storage-like object: the node tests pass their own). Pure: no DOM, no fetch.

export const PAGE_SIZES = [25, 50, 100];

/** The table's state from the address's query (URLSearchParams or a string). `spec`: the filter
 * keys, the sortable and groupable columns, and the defaults ({sort, dir, size}). A value the
 * table does not offer falls back to its default (a hand-edited link still opens). */
export function tableState(query, spec) {
  const q = typeof query === 'string' ? new URLSearchParams(query) : (query ?? new URLSearchParams());
  const d = { sort: spec.sort, dir: spec.dir ?? 'desc', size: spec.size ?? PAGE_SIZES[1] };
  const sort = spec.sorts.includes(q.get('sort')) ? q.get('sort') : d.sort;
  const dir = ['asc', 'desc'].includes(q.get('dir')) ? q.get('dir') : d.dir;
  const page = /^[1-9][0-9]{0,5}$/.test(q.get('page') ?? '') ? Number(q.get('page')) : 1;
  const size = PAGE_SIZES.includes(Number(q.get('size'))) ? Number(q.get('size')) : d.size;
  const group = (spec.groups ?? []).includes(q.get('group')) ? q.get('group') : '';
  const filters = Object.fromEntries(spec.filters.map((k) => [k, q.get(k) ?? '']));
  return { filters, sort, dir, page, size, group };
}

/** The query string of a state: the filters that are set, then what differs from the defaults. */
export function tableQuery(state, spec) {
  const q = new URLSearchParams();
  for (const k of spec.filters) if (state.filters[k]) q.set(k, state.filters[k]);
  if (state.sort !== spec.sort) q.set('sort', state.sort);
  if (state.dir !== (spec.dir ?? 'desc')) q.set('dir', state.dir);
  if (state.page > 1) q.set('page', String(state.page));
  if (state.size !== (spec.size ?? PAGE_SIZES[1])) q.set('size', String(state.size));
  if (state.group) q.set('group', state.group);
  return q.toString();
}

/** The list endpoint's query of a state (its names: direction, limit). */
export function apiQuery(state) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state.filters)) if (v) q.set(k, v);
  q.set('sort', state.sort);
  q.set('direction', state.dir);
  q.set('page', String(state.page));
  q.set('limit', String(state.size));
  if (state.group) q.set('group', state.group);
  return q.toString();
}

/** A header clicked: the same column flips its direction, another sorts ascending; page 1. */
export function toggleSort(state, column) {
  const dir = state.sort === column ? (state.dir === 'asc' ? 'desc' : 'asc') : 'asc';
  return { ...state, sort: column, dir, page: 1 };
}

/** Any change but the page's own goes back to page 1 (page 7 of another filter means nothing). */
export function withChange(state, change) {
  return { ...state, page: 1, ...change };
}

/** How many pages `total` rows make at `size` a page (at least 1). */
export function pageCount(total, size) {
  return Math.max(1, Math.ceil(total / size));
}

/** The aria-sort of a column header. */
export function ariaSort(state, column) {
  if (state.sort !== column) return 'none';
  return state.dir === 'asc' ? 'ascending' : 'descending';
}

/** What a saved filter keeps: the query without its page (a saved view opens on page 1). */
export function savedQuery(query) {
  const q = new URLSearchParams(query);
  q.delete('page');
  return q.toString();
}

/** The saved filters under `key`, [{name, query}] by name; [] when none or unreadable. */
export function savedFilters(storage, key) {
  try {
    const got = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(got) ? got.filter((f) => typeof f?.name === 'string' && typeof f?.query === 'string') : [];
  } catch {
    return [];
  }
}

/** Saves `query` as `name` (trimmed; the same name is replaced); answers the list. */
export function saveFilter(storage, key, name, query) {
  const clean = name.trim();
  if (!clean) throw new Error('a saved filter needs a name');
  const list = savedFilters(storage, key).filter((f) => f.name !== clean);
  list.push({ name: clean, query: savedQuery(query) });
  list.sort((a, b) => a.name.localeCompare(b.name));
  storage.setItem(key, JSON.stringify(list));
  return list;
}

/** Deletes the saved filter `name`; answers the list. */
export function deleteFilter(storage, key, name) {
  const list = savedFilters(storage, key).filter((f) => f.name !== name);
  storage.setItem(key, JSON.stringify(list));
  return list;
}
