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

/** The VAT inside a tax-inclusive total (minor units) at `percent`, rounded half up to the fen
 * (shared/money.py vat_included; BigInt: a total may pass 2^53 once multiplied). */
export function vatIncluded(total, percent) {
  const t = BigInt(Math.round(Number(total) || 0));
  const p = BigInt(percent);
  return Number((2n * t * p + (100n + p)) / (2n * (100n + p)));
}

/** Minor units said short, for a chart's axis: 1234500 → "CN¥12K" (en), "¥1.2万" (zh-Hans). */
export function formatMoneyShort(minor, { lang = getLang(), currency = DEFAULT_CURRENCY } = {}) {
  if (minor === null || minor === undefined || Number.isNaN(Number(minor))) return '—';
  const short = cached('money-short', lang, currency, () => new Intl.NumberFormat(lang, {
    style: 'currency', currency, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 }));
  return short.format(Number(minor) / 10 ** minorDigits(currency));
}

/** Minor units as the text of a price field: 1250 → "12.50" (no grouping, no symbol). */
export function minorToInput(minor, currency = DEFAULT_CURRENCY) {
  if (minor === null || minor === undefined) return '';
  return (Number(minor) / 10 ** minorDigits(currency)).toFixed(minorDigits(currency));
}

/** The decimal separator of a locale: "." (en, zh), "," (de, fr, es, ru). */
export function decimalSeparator(locale = getLang()) {
  return cached('decimal', locale, null, () =>
    new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.');
}

/** The separator a person types decimals with: their device's locale (a rep in Germany types
 * "18,5" whatever language the app shows), else the app's language. */
export function typedDecimal() {
  const locale = globalThis.navigator?.language;
  return locale ? decimalSeparator(locale) : decimalSeparator();
}

// Full-width digits and punctuation of Chinese input methods, as ASCII.
const fullWidth = (s) => s.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
  .replace(/[，、]/g, ',').replace(/[。．]/g, '.');

/** The text of a price field as minor units; null when it is not a price.
 * "12.5", "12,5" and "１２，５" → 1250; "1,234.56", "1.234,56" and "1 234,56" → 123456.
 * One separator is a decimal point unless it is followed by exactly three digits in a grouped
 * number and is not the typist's own decimal separator ("1,234" → 123400 in English, null in
 * German where it means 1.234); two kinds: the last one is the decimal point. */
export function inputToMinor(text, currency = DEFAULT_CURRENCY, { decimal = typedDecimal() } = {}) {
  const clean = fullWidth(String(text ?? '').trim()).replace(/[\s\u00a0\u202f'’_]/g, '');
  const digits = minorDigits(currency);
  const last = Math.max(clean.lastIndexOf(','), clean.lastIndexOf('.'));
  const seps = new Set(clean.replace(/[^.,]/g, ''));
  let whole = clean;
  let fraction = '';
  if (seps.size === 2 || (last >= 0 && !groupsOnly(clean, clean[last], decimal))) {
    whole = clean.slice(0, last);
    fraction = clean.slice(last + 1);
    const group = clean[last] === ',' ? '.' : ',';
    if (whole.includes(clean[last]) || (whole.includes(group) && !grouped(whole, group))) return null;
    whole = whole.split(group).join('');
  } else if (last >= 0) {
    whole = clean.split(clean[last]).join('');
  }
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction) || !(whole + fraction)) return null;
  if (fraction.length > digits) return null;
  return Number(whole || 0) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}

const grouped = (text, sep) => new RegExp(`^\\d{1,3}(\\${sep}\\d{3})+$`).test(text);

/** Whether `sep` in `text` (its only kind of separator) groups thousands rather than marking
 * decimals: grouped by threes, and either used more than once or not the typist's decimal. */
function groupsOnly(text, sep, decimal) {
  if (!grouped(text, sep)) return false;
  return text.split(sep).length > 2 || sep !== decimal;
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

/** "2025-03-04" or an ISO time → the date in the language's form ("Mar 4, 2025", "2025年3月4日");
 * with `weekday`, "Tue, Mar 4, 2025", "2025年3月4日周二". */
export function formatDate(value, { lang = getLang(), timeZone, weekday = false } = {}) {
  if (!value) return '—';
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const options = weekday
    ? { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone }
    : { dateStyle: 'medium', timeZone };
  return cached('date', lang, options, () => new Intl.DateTimeFormat(lang, options)).format(d);
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
