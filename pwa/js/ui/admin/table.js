// The console's table (docs/admin.md § Tables): headers that sort (click: ascending, again:
// descending; aria-sort says which), rows under group headers with their counts, a pager with the
// page number and a page size choice, and saved filters. Its state is the address's
// (core/table-state.js): the screen reads it with `tableState` and writes it with `onState`.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import {
  PAGE_SIZES, ariaSort, deleteFilter, pageCount, saveFilter, savedFilters, toggleSort, withChange,
} from '../../core/table-state.js';
import { t } from '../../i18n.js';
import { Select } from '../components.js';

/** The table. `columns`: [{key, label, sort (a sort key or null), num, cell(row)}]; `group`:
 * {of(row) → key, label(group) → text} of the chosen group-by, with `groups` the server's
 * [{key, label, count}] (counts of every match, not of the page); `row(row, cells)` may wrap a
 * row (its data-* attributes). */
export function Table({ testid, columns, rows, state, onState, group, groups, rowProps }) {
  const counts = new Map((groups ?? []).map((g) => [g.key, g]));
  const body = [];
  let last;
  rows.forEach((r, i) => {
    if (group) {
      const key = group.of(r) ?? null;
      if (i === 0 || key !== last) {
        const g = counts.get(key) ?? { key, label: null, count: null };
        body.push(html`<tr class="group-row" key=${`g-${key}`} data-testid=${`${testid}-group`} data-key=${key ?? ''}>
          <th colspan=${columns.length} scope="colgroup">${group.label(g)}
            ${g.count != null && html` <span class="muted" data-testid=${`${testid}-group-count`}>(${g.count})</span>`}</th></tr>`);
      }
      last = key;
    }
    body.push(html`<tr key=${r.id} ...${rowProps?.(r) ?? {}}>${columns.map((c) => html`
      <td class=${c.num ? 'num' : c.nowrap ? 'nowrap' : ''}>${c.cell(r)}</td>`)}</tr>`);
  });
  return html`
    <div class="table-wrap">
      <table class="admin-table" data-testid=${`${testid}-table`}>
        <thead><tr>${columns.map((c) => (c.sort ? html`
          <th class=${c.num ? 'num' : ''} aria-sort=${ariaSort(state, c.sort)} data-testid=${`${testid}-sort-${c.sort}`}>
            <button type="button" class="sort link" onClick=${() => onState(toggleSort(state, c.sort))}>
              ${c.label}<span aria-hidden="true">${state.sort === c.sort ? (state.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
            </button></th>` : html`<th class=${c.num ? 'num' : ''}>${c.label}</th>`))}</tr></thead>
        <tbody>${body}</tbody>
      </table>
    </div>`;
}

/** Previous / "page n of m" / next, and the page size. */
export function Pager({ testid, state, onState, total }) {
  const pages = pageCount(total, state.size);
  return html`
    <div class="actions pager">
      <button type="button" data-testid=${`${testid}-previous`} disabled=${state.page <= 1}
        onClick=${() => onState({ ...state, page: state.page - 1 })}>${t('admin.table.previous')}</button>
      <span class="muted" data-testid=${`${testid}-page`} data-page=${state.page}>${t('admin.table.page', { n: state.page, of: pages })}</span>
      <button type="button" data-testid=${`${testid}-next`} disabled=${state.page >= pages}
        onClick=${() => onState({ ...state, page: state.page + 1 })}>${t('admin.table.next')}</button>
      <${Select} label=${t('admin.table.pageSize')} value=${String(state.size)} testid=${`${testid}-size`}
        onChange=${(v) => onState(withChange(state, { size: Number(v) }))}
        options=${PAGE_SIZES.map((n) => [String(n), String(n)])} />
    </div>`;
}

/** The group-by choice: `choices` [[key, text]]. */
export function GroupBy({ testid, state, onState, choices }) {
  return html`<${Select} label=${t('admin.table.groupBy')} value=${state.group} testid=${`${testid}-group-by`}
    onChange=${(v) => onState(withChange(state, { group: v }))}
    options=${[['', t('admin.table.noGroup')], ...choices]} />`;
}

/** Saved filters: name the current query, pick one (`onApply(query)`), delete one. Kept in this
 * browser's localStorage under `storageKey` (per admin and list: docs/admin.md § Tables). */
export function SavedFilters({ testid, storageKey, query, onApply }) {
  const storage = globalThis.localStorage;
  const [list, setList] = useState(() => (storage ? savedFilters(storage, storageKey) : []));
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState('');
  if (!storage) return null;
  const save = (e) => {
    e.preventDefault();
    if (!name.trim()) return;
    setList(saveFilter(storage, storageKey, name, query));
    setChosen(name.trim());
    setName('');
  };
  const pick = (value) => {
    setChosen(value);
    const found = list.find((f) => f.name === value);
    if (found) onApply(found.query);
  };
  return html`
    <form class="saved-filters actions" data-testid=${`${testid}-saved`} onSubmit=${save}>
      <${Select} label=${t('admin.table.savedFilters')} value=${chosen} testid=${`${testid}-saved-pick`} onChange=${pick}
        options=${[['', list.length ? t('admin.table.pickFilter') : t('admin.table.noSaved')], ...list.map((f) => [f.name, f.name])]} />
      ${chosen && html`<button type="button" data-testid=${`${testid}-saved-delete`}
        onClick=${() => { setList(deleteFilter(storage, storageKey, chosen)); setChosen(''); }}>${t('admin.table.deleteFilter')}</button>`}
      <label class="field"><span>${t('admin.table.filterName')}</span>
        <input data-testid=${`${testid}-saved-name`} value=${name} maxlength="60" onInput=${(e) => setName(e.currentTarget.value)} /></label>
      <button type="submit" data-testid=${`${testid}-saved-save`} disabled=${!name.trim()}>${t('admin.table.saveFilter')}</button>
    </form>`;
}
