// /admin/import (docs/admin.md § Import): orders or products from a CSV or XLSX file. "Check"
// sends the file as a dry run and shows the report per row; "Import" sends it for real: whole
// or nothing, so a report with errors means nothing was written, and the refused rows can be
// downloaded as a file with an error column (the server makes it from the same file). Orders are
// created or, in update mode, changed (found by number). A template CSV per kind is made here in
// the browser. Exports are on each list's own page (the orders export is in this format).
// imports.run to use.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { ApiError, cookie } from '../../api.js';
import { formatNumber } from '../../format.js';
import { hasKey, t } from '../../i18n.js';
import { Empty, ErrorBox, Screen, Select, useAction } from '../components.js';
import { useApp } from '../context.js';
import { Link } from '../router.js';
import { may } from './common.js';

/** The columns of each kind (server/admin/imports/plan.py), the required ones, and an example row. */
export const KINDS = {
  orders: {
    columns: ['number', 'customer', 'sku', 'qty', 'unit_price', 'priority', 'due_date', 'warehouse',
      'notes', 'delivery_address', 'channel', 'status', 'sales_rep', 'discount', 'order_discount'],
    required: ['number', 'customer', 'sku', 'qty'],
    example: [
      ['SO-0001', 'Acme Tea', 'T1', '2', '', 'normal', '2026-12-31', 'WH1', '', '', '', 'submitted', '', '', ''],
      ['SO-0001', '', 'T2', '1', '8.50', '', '', '', '', '', '', '', '', '10', ''],
    ],
  },
  products: {
    columns: ['sku', 'name', 'barcode', 'unit_price', 'unit', 'safety_stock', 'reorder_point', 'active'],
    required: ['sku'],
    example: [['T1', 'Green tea 250 g', '6901234567890', '12.50', 'box', '10', '20', 'true']],
  },
};

function csvCell(value) {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A template CSV of `kind` (UTF-8 with a BOM, so Excel reads it right) as a data: URL. */
export function templateHref(kind) {
  const { columns, example } = KINDS[kind];
  const text = [columns, ...example].map((row) => row.map(csvCell).join(',')).join('\r\n');
  return `data:text/csv;charset=utf-8,${encodeURIComponent(`\ufeff${text}\r\n`)}`;
}

function post(path, file, accept) {
  const headers = { Accept: accept, 'Content-Type': 'application/octet-stream' };
  const csrf = cookie('orderly_csrf');
  if (csrf) headers['X-CSRF-Token'] = csrf;
  return fetch(path, { method: 'POST', headers, body: file, credentials: 'same-origin' }).catch(() => {
    throw new ApiError(0, 'offline', t('error.offline'));
  });
}

async function refusal(response) {
  let data = null;
  try {
    data = await response.json();
  } catch {
    // Not JSON: said by status.
  }
  const code = data?.code ?? `http_${response.status}`;
  const key = `admin.io.error.${code}`;
  const message = hasKey(key) ? t(key, { message: data?.message ?? '' }) : data?.message ?? code;
  return new ApiError(response.status, code, message, data);
}

/** POSTs the file's bytes; answers the report (also of a refused import: 422 import_invalid). */
async function upload(kind, file, dryRun, mode) {
  const response = await post(`/api/admin/import/${kind}?dry_run=${dryRun}&mode=${mode}`, file,
    'application/json');
  let data = null;
  try {
    data = await response.json();
  } catch {
    // Not JSON: reported below by status.
  }
  if (response.ok || data?.code === 'import_invalid') return data;
  const code = data?.code ?? `http_${response.status}`;
  const key = `admin.io.error.${code}`;
  const message = hasKey(key) ? t(key, { message: data?.message ?? '' }) : data?.message ?? code;
  throw new ApiError(response.status, code, message, data);
}

/** Downloads the refused rows of `file` with an error column, in the file's own format: the
 * server checks the file again as the import would (writing nothing) and answers that file. */
async function downloadErrors(kind, file, mode) {
  const response = await post(`/api/admin/import/${kind}/errors?mode=${mode}`, file, '*/*');
  if (!response.ok) throw await refusal(response);
  const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1]
    ?? `${kind}-errors.csv`;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// A cell's code; an order the engine refused carries the rejection's code (reject.<code>, the
// words of shared/codes.py's REJECT_CODES) or the kind of the conflict it came to
// (conflict.kind.<kind>) on its first row.
function problem(error) {
  const key = [`admin.io.code.${error.code}`, `reject.${error.code}`, `conflict.kind.${error.code}`].find(hasKey);
  return key ? t(key) : error.code;
}

function Report({ report, showValid, onShowValid, onErrorFile, errorFileBusy }) {
  const shown = showValid ? report.rows : report.rows.filter((r) => !r.ok);
  return html`
    <div class="card" data-testid="import-report" data-ok=${String(report.ok)} data-rows=${report.total_rows}
      data-errors=${report.error_rows}>
      <h2>${t('admin.io.report')}</h2>
      <p data-testid="import-summary">${t('admin.io.summary', {
        rows: formatNumber(report.total_rows), format: report.format.toUpperCase(), bad: formatNumber(report.error_rows),
      })}</p>
      ${report.ignored_columns.length > 0 && html`
        <p class="muted" data-testid="import-ignored">${t('admin.io.ignored', { columns: report.ignored_columns.join(', ') })}</p>`}
      ${report.ok
        ? html`<p data-testid="import-ready">${t(report.action === 'update' ? 'admin.io.wouldUpdate.orders' : `admin.io.wouldCreate.${report.kind}`, {
          created: formatNumber(report.created), updated: formatNumber(report.updated), lines: formatNumber(report.lines),
        })}</p>`
        : !report.dry_run && html`<p class="error" role="alert" data-testid="import-refused">${t('admin.io.nothingWritten', { bad: formatNumber(report.error_rows) })}</p>`}
      ${!report.ok && html`<p data-testid="import-error-file-note">
        <button type="button" class="link" data-testid="import-error-file" disabled=${errorFileBusy}
          onClick=${onErrorFile}>${t('admin.io.errorFile', { format: report.format.toUpperCase() })}</button>
        <br /><small class="muted">${t('admin.io.errorFileNote')}</small></p>`}
      <label class="check"><input type="checkbox" data-testid="import-show-valid" checked=${showValid}
        onChange=${(e) => onShowValid(e.currentTarget.checked)} /> ${t('admin.io.showValid')}</label>
      ${shown.length === 0 ? html`<${Empty}>${t('admin.io.allValid')}<//>` : html`
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.io.report')}>
          <table class="admin-table">
            <thead><tr><th>${t('admin.io.row')}</th><th>${t('admin.io.column')}</th><th>${t('admin.io.problem')}</th></tr></thead>
            <tbody>${shown.map((r) => (r.ok
              ? html`<tr key=${r.row} data-testid="import-ok-row" data-row=${r.row}><td>${r.row}</td><td></td><td>${t('admin.io.valid')}</td></tr>`
              : html`<tr key=${r.row} class="invalid" data-testid="import-error-row" data-row=${r.row}>
                  <td>${r.row}</td>
                  <td>${r.errors.map((e) => html`<div data-testid="import-error-column">${e.column}</div>`)}</td>
                  <td>${r.errors.map((e) => html`<div data-testid="import-error-code" data-code=${e.code} title=${e.message}>
                    ${problem(e)} <small class="muted">${e.message}</small></div>`)}</td>
                </tr>`))}</tbody>
          </table>
        </div>`}
    </div>`;
}

function Done({ report }) {
  const seconds = (report.elapsed_ms / 1000).toFixed(1);
  return html`
    <div class="card" data-testid="import-done" data-kind=${report.kind} data-action=${report.action} data-created=${report.created}
      data-updated=${report.updated} data-lines=${report.lines}>
      <p><strong>${t(report.action === 'update' ? 'admin.io.done.update' : `admin.io.done.${report.kind}`, {
        created: formatNumber(report.created), updated: formatNumber(report.updated),
        lines: formatNumber(report.lines), seconds,
      })}</strong></p>
      ${report.on_hold > 0 && html`<p data-testid="import-on-hold">${t('admin.io.onHold', { count: report.on_hold })}</p>`}
      ${report.kind === 'orders'
        ? html`<${Link} href="/admin/orders" data-testid="import-see">${t('admin.io.seeOrders')}<//>`
        : html`<${Link} href="/admin/inventory" data-testid="import-see">${t('admin.io.seeInventory')}<//>`}
    </div>`;
}

export function AdminImport() {
  const { me } = useApp();
  const [kind, setKind] = useState('orders');
  const [mode, setMode] = useState('create');
  const [file, setFile] = useState(null);
  const [report, setReport] = useState(null);
  const [showValid, setShowValid] = useState(false);
  const [run, busy, error, setError] = useAction();
  const [doing, setDoing] = useState(null);
  if (!may(me.user.role, 'imports.run')) {
    return html`<${Screen} title=${t('admin.io.title')} testid="admin-import">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const orderMode = kind === 'orders' ? mode : 'create';
  const send = (dryRun) => {
    if (!file) {
      setError(new Error(t('admin.io.chooseFile')));
      return;
    }
    setReport(null);
    setDoing(dryRun ? 'check' : 'import');
    run(async () => setReport(await upload(kind, file, dryRun, orderMode))).finally(() => setDoing(null));
  };
  const errorFile = () => {
    setDoing('errors');
    run(() => downloadErrors(kind, file, orderMode)).finally(() => setDoing(null));
  };
  const change = (next) => { setKind(next); setReport(null); setError(null); };
  const spec = KINDS[kind];
  return html`
    <${Screen} title=${t('admin.io.title')} testid="admin-import">
      <form class="card" data-testid="import-form" onSubmit=${(e) => { e.preventDefault(); send(false); }}>
        <${Select} label=${t('admin.io.kind')} value=${kind} onChange=${change} testid="import-kind"
          options=${[['orders', t('admin.io.kind.orders')], ['products', t('admin.io.kind.products')]]} />
        ${kind === 'orders' && html`<${Select} label=${t('admin.io.mode')} value=${mode} testid="import-mode"
          onChange=${(next) => { setMode(next); setReport(null); setError(null); }}
          options=${[['create', t('admin.io.mode.create')], ['update', t('admin.io.mode.update')]]} />`}
        <label class="field"><span>${t('admin.io.file')}</span>
          <input type="file" data-testid="import-file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange=${(e) => { setFile(e.currentTarget.files?.[0] ?? null); setReport(null); setError(null); }} />
        </label>
        <p class="muted">${t(`admin.io.help.${kind}`)}</p>
        <p class="muted" data-testid="import-columns">${t('admin.io.columns')}: ${spec.columns.map((c, i) => html`${i > 0 ? ', ' : ''}<code>${c}</code>${spec.required.includes(c) ? html` <small>(${t('admin.io.required')})</small>` : ''}`)}</p>
        <p><a href=${templateHref(kind)} download=${`${kind}-template.csv`} data-testid=${`import-template-${kind}`}>${t('admin.io.template')}</a></p>
        <p class="note" data-testid="import-whole">${t('admin.io.wholeOrNothing')}</p>
        <div class="actions">
          <button type="button" data-testid="import-check" disabled=${busy} onClick=${() => send(true)}>
            ${doing === 'check' ? t('admin.io.checking') : t('admin.io.check')}</button>
          <button type="submit" class="primary" data-testid="import-run" disabled=${busy}>
            ${doing === 'import' ? t('admin.io.importing') : t('admin.io.import')}</button>
        </div>
        <${ErrorBox} error=${error} />
      </form>
      ${report && !report.dry_run && report.ok && html`<${Done} report=${report} />`}
      ${report && !(report.ok && !report.dry_run) && html`<${Report} report=${report} showValid=${showValid} onShowValid=${setShowValid}
        onErrorFile=${errorFile} errorFileBusy=${busy} />`}
      <p class="muted" data-testid="import-exports-note">${t('admin.io.exportsNote')}</p>
    <//>`;
}
