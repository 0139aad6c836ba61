// Money and dates for the chosen language with Intl (docs/pwa.md, "Languages"). Money is in
// integer minor units (CNY by default); dates are ISO text from the server or YYYY-MM-DD.

import { getLang } from './i18n.js';

export const DEFAULT_CURRENCY = 'CNY';

const cache = new Map();
function cached(kind, lang, options, make) {
  const key = `${kind}|${lang}|${JSON.stringify(options)}`;
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key);
}

function currencyFormat(lang, currency) {
  return cached('money', lang, currency, () =>
    new Intl.NumberFormat(lang, { style: 'currency', currency }));
}

/** Digits after the decimal point of a currency (2 for CNY, 0 for JPY). */
export function minorDigits(currency = DEFAULT_CURRENCY) {
  return currencyFormat('en', currency).resolvedOptions().maximumFractionDigits;
}

/** 1250 → "CN¥12.50" (en, zh-Hant), "¥12.50" (zh-Hans). */
export function formatMoney(minor, { lang = getLang(), currency = DEFAULT_CURRENCY } = {}) {
  if (minor === null || minor === undefined || Number.isNaN(Number(minor))) return '—';
  return currencyFormat(lang, currency).format(Number(minor) / 10 ** minorDigits(currency));
}

/** Minor units as the text of a price field: 1250 → "12.50" (no grouping, no symbol). */
export function minorToInput(minor, currency = DEFAULT_CURRENCY) {
  if (minor === null || minor === undefined) return '';
  return (Number(minor) / 10 ** minorDigits(currency)).toFixed(minorDigits(currency));
}

/** The text of a price field as minor units: "12.5" → 1250; null when it is not a price. */
export function inputToMinor(text, currency = DEFAULT_CURRENCY) {
  const clean = String(text ?? '').trim().replace(/[\s,，]/g, '').replace('。', '.');
  const digits = minorDigits(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(clean);
  if (!match || (match[2] ?? '').length > digits) return null;
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || 0);
}

/** Integers with the language's grouping: 12345 → "12,345". */
export function formatNumber(n, { lang = getLang() } = {}) {
  return cached('num', lang, null, () => new Intl.NumberFormat(lang)).format(n);
}

function toDate(value) {
  if (value instanceof Date) return value;
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  // A calendar date is a day where the user is, not midnight UTC.
  if (dateOnly) return new Date(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]));
  return new Date(value);
}

/** "2025-03-04" or an ISO time → the date in the language's form ("Mar 4, 2025", "2025年3月4日"). */
export function formatDate(value, { lang = getLang(), timeZone } = {}) {
  if (!value) return '—';
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return cached('date', lang, timeZone, () =>
    new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone })).format(d);
}

/** An ISO time → date and time in the language's form. */
export function formatDateTime(value, { lang = getLang(), timeZone } = {}) {
  if (!value) return '—';
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return cached('datetime', lang, timeZone, () =>
    new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone })).format(d);
}

/** How long ago, in words of the language: "5 minutes ago", "5分钟前". */
export function formatAgo(value, { lang = getLang(), now = Date.now() } = {}) {
  if (!value) return '—';
  const seconds = Math.round((toDate(value).getTime() - now) / 1000);
  const rtf = cached('rel', lang, null, () => new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }));
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}

/** Today as YYYY-MM-DD where the user is (the value of a date input). */
export function todayInput(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
