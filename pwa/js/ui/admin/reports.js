// /admin/reports (docs/admin.md § Reports): a report picked from REPORTS over a date range, drawn
// with uPlot (days or weeks along time, people as bars), its table under the chart, a summary
// table for the reports that have one, and the same table as CSV or XLSX (plain links: the
// session cookie authenticates a GET). reports.read to see.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';

import { axesOf, axisWidth, MONEY, scaleOf } from '../../core/chart-axes.js';
import { formatMoney, formatMoneyShort, formatNumber, todayInput } from '../../format.js';
import { hasKey, t } from '../../i18n.js';
import { Empty, ErrorBox, Field, Loading, Screen, Select } from '../components.js';
import { useApp } from '../context.js';
import { may, useAdminList } from './common.js';

/** The reports of GET /api/admin/reports/{name}, in the picker's order. */
export const REPORTS = [
  'orders-per-day', 'sales', 'processing-time', 'overdue', 'return-rate', 'per-employee', 'sync-health',
];
const WEEKLY = new Set(['processing-time', 'return-rate']);
const COLORS = ['#2b5d8a', '#d35400', '#27ae60', '#8e44ad', '#c0392b', '#16a085', '#f39c12', '#7f8c8d',
  '#2c3e50', '#e84393', '#00838f', '#6d4c41'];
const DAY_MS = 86_400_000;

/** `days` days before the date input value `to` (YYYY-MM-DD). */
export function daysBefore(to, days) {
  return new Date(Date.parse(`${to}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
}

/** The API address of a report (with `format` csv|xlsx: its table as a file). */
export function reportUrl(name, from, to, format) {
  const query = new URLSearchParams({ from, to });
  if (format) query.set('format', format);
  return `/api/admin/reports/${name}?${query}`;
}

/** What a column of a report's table is called on screen. */
export function columnLabel(column) {
  if (hasKey(column)) return t(column); // status.submitted
  if (hasKey(`priority.${column}`)) return t(`priority.${column}`);
  if (column.startsWith('channel.')) return t('admin.reports.channel', { name: column.slice(8) });
  const key = `admin.reports.col.${column}`;
  return hasKey(key) ? t(key) : column;
}

/** What a series is called on screen: statuses and priorities in their words. */
export function seriesLabel({ label, group }) {
  if (group === 'status' && hasKey(`status.${label}`)) return t(`status.${label}`);
  if (group === 'priority' && hasKey(`priority.${label}`)) return t(`priority.${label}`);
  if (group === 'channel') return t('admin.reports.channel', { name: label });
  const key = `admin.reports.col.${label}`;
  return hasKey(key) ? t(key) : label;
}

function cellText(column, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (MONEY.has(column)) return formatMoney(value);
  if (column === 'return_rate') return `${formatNumber(Math.round(value * 1000) / 10)} %`;
  if (column === 'last_sync') return t(`admin.reports.bucket.${value}`);
  if (column === 'role' && hasKey(`role.${value}`)) return t(`role.${value}`);
  if (column === 'priority' && hasKey(`priority.${value}`)) return t(`priority.${value}`);
  if (column === 'warehouse_id' && value === 'all') return t('common.all');
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** uPlot's options and data for a report: time along x, or people as bars (per-employee). */
export function chartSpec(report, width) {
  const people = report.name === 'per-employee';
  const xs = people ? report.x.map((_, i) => i) : report.x.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  // People: grouped bars, series k of n in the k-th slice of 0.8 around each person.
  const slot = 0.8 / Math.max(report.series.length, 1);
  const bars = people
    ? uPlot.paths.bars({
      disp: {
        x0: { unit: 1, values: (u, k) => u.data[0].map((x) => x - 0.4 + (k - 1) * slot) },
        size: { unit: 1, values: () => [slot] },
      },
    })
    : undefined;
  // Money (minor units in the data) is said in yuan on its axes and in the legend; payments
  // get their own axis beside order totals (core/chart-axes.js).
  const series = report.series.map((s, i) => ({
    label: seriesLabel(s),
    scale: people ? 'y' : scaleOf(s.label),
    value: (_, v) => (v == null ? '—' : MONEY.has(s.label) ? formatMoney(v) : formatNumber(v)),
    stroke: COLORS[i % COLORS.length],
    fill: people ? `${COLORS[i % COLORS.length]}aa` : undefined,
    width: 2,
    paths: bars,
    points: { show: !people },
    spanGaps: false,
  }));
  const xAxis = people
    ? { values: (_, ticks) => ticks.map((i) => report.x[i] ?? ''), splits: () => xs }
    : {};
  const yAxes = (people ? [{ scale: 'y', side: 3 }] : axesOf(report.series.map((s) => s.label)))
    .map(({ scale, side }) => {
      const say = scale === 'y' ? formatNumber : formatMoneyShort;
      return { scale, side, grid: { show: side === 3 }, values: (_, ticks) => ticks.map((v) => say(v)),
        size: (_, labels) => axisWidth(labels) };
    });
  const scales = Object.fromEntries(yAxes.map(({ scale }) => [scale, { auto: true, range: (_, lo, hi) => [Math.min(0, lo), Math.max(hi, 1)] }]));
  return {
    opts: {
      width,
      height: 300,
      scales: { x: { time: !people, ...(people ? { range: [-0.5, Math.max(xs.length - 0.5, 0.5)] } : {}) }, ...scales },
      axes: [xAxis, ...yAxes],
      series: [{ label: t(`admin.reports.col.${people ? 'user' : WEEKLY.has(report.name) ? 'week' : 'day'}`) }, ...series],
      legend: { show: true },
    },
    data: [xs, ...report.series.map((s) => s.values)],
  };
}

function Chart({ report }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const { opts, data } = chartSpec(report, Math.max(320, Math.min(el.clientWidth || 900, 1100)));
    const plot = new uPlot(opts, data, el);
    return () => plot.destroy();
  }, [report]);
  return html`<div class="report-chart" data-testid="report-chart" data-report=${report.name} ref=${box}
    role="img" aria-label=${t(`admin.reports.name.${report.name}`)}></div>`;
}

function ReportTable({ table, testid }) {
  if (table.rows.length === 0) return html`<${Empty}>${t('admin.reports.noRows')}<//>`;
  return html`
    <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.reports.title')}>
      <table class="admin-table" data-testid=${testid}>
        <thead><tr>${table.columns.map((c) => html`<th data-column=${c}>${columnLabel(c)}</th>`)}</tr></thead>
        <tbody>${table.rows.map((row) => html`
          <tr data-testid=${`${testid}-row`}>${row.map((v, i) => html`
            <td data-value=${v === null ? '' : String(v)}>${cellText(table.columns[i], v)}</td>`)}</tr>`)}
        </tbody>
      </table>
    </div>`;
}

export function AdminReports() {
  const { me } = useApp();
  const readable = may(me.user.role, 'reports.read');
  const [name, setName] = useState(REPORTS[0]);
  const [to, setTo] = useState(todayInput());
  const [from, setFrom] = useState(daysBefore(todayInput(), 29));
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to);
  const [report, error, reload] = useAdminList(reportUrl(name, from, to), readable && valid);
  if (!readable) {
    return html`<${Screen} title=${t('admin.reports.title')} testid="admin-reports">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const current = report && report.name === name && report.from === from && report.to === to ? report : undefined;
  return html`
    <${Screen} title=${t('admin.reports.title')} testid="admin-reports"
      actions=${html`<button type="button" data-testid="reports-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <div class="filters">
        <${Select} label=${t('admin.reports.report')} value=${name} onChange=${setName} testid="report-picker"
          options=${REPORTS.map((r) => [r, t(`admin.reports.name.${r}`)])} />
        <span></span>
        <${Field} label=${t('admin.reports.from')} type="date" value=${from} onInput=${setFrom} testid="report-from" max=${to} />
        <${Field} label=${t('admin.reports.to')} type="date" value=${to} onInput=${setTo} testid="report-to" min=${from} />
      </div>
      <p class="note">${t(`admin.reports.about.${name}`)}</p>
      <p>
        <a class="button" href=${reportUrl(name, from, to, 'csv')} download data-testid="report-export-csv">${t('admin.reports.exportCsv')}</a>
        ${' '}
        <a class="button" href=${reportUrl(name, from, to, 'xlsx')} download data-testid="report-export-xlsx">${t('admin.reports.exportXlsx')}</a>
      </p>
      <${ErrorBox} error=${valid ? error : null} />
      ${!valid && html`<p class="error" data-testid="report-bad-range">${t('admin.reports.badRange')}</p>`}
      ${valid && !current && !error && html`<${Loading} />`}
      ${current && html`
        <div data-testid="report" data-name=${current.name} data-from=${current.from} data-to=${current.to}>
          <${Chart} report=${current} />
          <${ReportTable} table=${current.table} testid="report-table" />
          ${current.summary && html`
            <h2>${t('admin.reports.summary')}</h2>
            <${ReportTable} table=${current.summary} testid="report-summary" />`}
        </div>`}
    <//>`;
}
