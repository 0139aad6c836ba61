// Languages (docs/pwa.md, "Languages"): en, zh-Hans, zh-Hant. Every string the user sees comes
// from a locale file through t(key, params); the choice is kept in localStorage (orderly.lang)
// and the default follows navigator.languages.

import en from './locales/en.js';
import zhHans from './locales/zh-Hans.js';
import zhHant from './locales/zh-Hant.js';
import codes from './locales/codes.js';
import validation from './locales/validation.js';
import adminAccess from './locales/admin/access.js';
import adminAftersales from './locales/admin/aftersales.js';
import adminAudit from './locales/admin/audit.js';
import adminConflicts from './locales/admin/conflicts.js';
import adminCustomers from './locales/admin/customers.js';
import adminInventory from './locales/admin/inventory.js';
import adminIo from './locales/admin/io.js';
import adminMutations from './locales/admin/mutations.js';
import adminOrders from './locales/admin/orders.js';
import adminReports from './locales/admin/reports.js';
import adminReview from './locales/admin/review.js';
import refused from './locales/refused.js';
import outcomes from './locales/outcomes.js';

// The admin pages keep their texts in a file each (locales/admin/), all languages together, and
// so do newer screens of the app (locales/<screen>.js).
const ADMIN_TEXTS = [
  adminAccess, adminAftersales, adminAudit, adminConflicts, adminCustomers, adminInventory, adminIo, adminMutations, adminOrders,
  adminReports, adminReview, refused, outcomes,
];
// Words for every server code (locales/codes.js) and for the forms' bounds (locales/validation.js)
// come with the base texts.
const merged = (lang, base) => Object.assign(
  {}, base, codes[lang], validation[lang], ...ADMIN_TEXTS.map((texts) => texts[lang]));

export const LOCALES = {
  en: merged('en', en),
  'zh-Hans': merged('zh-Hans', zhHans),
  'zh-Hant': merged('zh-Hant', zhHant),
};

/** The choices of the language switch, each named in its own language. */
export const LANGUAGES = [
  { code: 'zh-Hans', name: '简体中文' },
  { code: 'zh-Hant', name: '繁體中文' },
  { code: 'en', name: 'English' },
];

const STORAGE_KEY = 'orderly.lang';

/** The supported language closest to a list of BCP 47 tags (navigator.languages). */
export function pickLanguage(tags = []) {
  for (const tag of tags) {
    const lower = String(tag).toLowerCase();
    if (lower.startsWith('zh')) {
      return /hant|-tw|-hk|-mo/.test(lower) ? 'zh-Hant' : 'zh-Hans';
    }
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function stored() {
  try {
    const code = globalThis.localStorage?.getItem(STORAGE_KEY);
    return code && code in LOCALES ? code : null;
  } catch {
    return null;
  }
}

// The chosen language: a copy of what localStorage holds, so t() needs no lookup per string.
let current = stored() ?? pickLanguage(globalThis.navigator?.languages ?? []);
const listeners = new Set();

export function getLang() {
  return current;
}

/** Switches the language, remembers it, and tells the listeners (the app re-renders). */
export function setLang(code) {
  if (!(code in LOCALES)) throw new Error(`unknown language ${code}`);
  current = code;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, code);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  if (globalThis.document) document.documentElement.lang = code;
  for (const fn of listeners) fn(code);
}

/** Calls fn(code) after every language switch; answers the unsubscribe function. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The text of `key` in `lang` (default: the chosen one) with {name} placeholders filled.
 * With a numeric `count`, a plural form `key#one` (Intl.PluralRules' category) wins where the
 * locale has one: "1 conflict" but "2 conflicts"; Chinese has one form. */
export function t(key, params, lang = current) {
  const texts = LOCALES[lang] ?? LOCALES.en;
  const plural = typeof params?.count === 'number' ? `${key}#${new Intl.PluralRules(lang).select(params.count)}` : null;
  const text = (plural && texts[plural]) ?? texts[key] ?? LOCALES.en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Whether `key` has a text (for codes from the server that may have none: show them raw). */
export function hasKey(key) {
  return key in LOCALES.en;
}
