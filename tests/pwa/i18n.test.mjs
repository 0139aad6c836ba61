// Languages of the PWA (docs/pwa.md, "Languages"): the three locales have exactly the same keys
// and placeholders, every key the screens name exists, the vocabulary's statuses and roles have
// words, and money and dates come out in each locale's form.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  decimalSeparator, formatDate, formatDateTime, formatMoney, formatNumber, inputToMinor, minorDigits, minorToInput,
} from '../../pwa/js/format.js';
import { LANGUAGES, LOCALES, hasKey, pickLanguage, t } from '../../pwa/js/i18n.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('the three locales have exactly the same keys', () => {
  assert.deepEqual(Object.keys(LOCALES).sort(), ['en', 'zh-Hans', 'zh-Hant']);
  const en = Object.keys(LOCALES.en).sort();
  for (const [lang, texts] of Object.entries(LOCALES)) {
    const keys = Object.keys(texts).sort();
    assert.deepEqual(keys.filter((k) => !en.includes(k)), [], `${lang} has keys en lacks`);
    assert.deepEqual(en.filter((k) => !keys.includes(k)), [], `${lang} lacks keys of en`);
  }
});

test('every text is non-empty and has the same placeholders in every locale', () => {
  for (const key of Object.keys(LOCALES.en)) {
    for (const [lang, texts] of Object.entries(LOCALES)) {
      assert.equal(typeof texts[key], 'string', `${lang} ${key}`);
      assert.ok(texts[key].trim().length > 0, `${lang} ${key} is empty`);
      assert.deepEqual(placeholders(texts[key]), placeholders(LOCALES.en[key]), `${lang} ${key}`);
    }
  }
});

test('the Chinese locales are translated, and differ where the scripts differ', () => {
  const same = (a, b) => Object.keys(LOCALES.en).filter((k) => LOCALES[a][k] === LOCALES[b][k]);
  // Only names, symbols and texts made of placeholders may be equal to English.
  for (const lang of ['zh-Hans', 'zh-Hant']) {
    assert.deepEqual(same(lang, 'en').filter((k) => /[a-z]{4}/i.test(LOCALES.en[k].replace(/\{\w+\}|Orderly|SKU|Safari|MB/g, ''))), [], lang);
  }
  assert.notEqual(LOCALES['zh-Hans']['settings.language'], LOCALES['zh-Hant']['settings.language']);
});

test('every key the screens name exists', () => {
  const dir = join(ROOT, 'pwa/js/ui');
  const used = new Set();
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js'));
  assert.ok(files.some((f) => f.startsWith('admin/')), 'the admin pages are read too');
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(/\b(?:t|hasKey)\('([^']+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 100);
  assert.deepEqual([...used].filter((k) => !hasKey(k)), []);
});

test('statuses, roles, transitions and payment methods have words', () => {
  const path = process.env.ORDERLY_VOCABULARY ?? join(ROOT, 'build/vocabulary.json');
  const vocab = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
  const statuses = vocab?.statuses ?? ['draft', 'submitted', 'cancelled'];
  for (const s of statuses) {
    assert.ok(hasKey(`status.${s}`), s);
    if (s !== 'draft') assert.ok(hasKey(`transition.to.${s}`), s);
  }
  for (const r of vocab?.roles ?? ['admin', 'sales']) assert.ok(hasKey(`role.${r}`), r);
  for (const m of ['cash', 'card', 'transfer', 'wallet', 'credit']) assert.ok(hasKey(`pay.${m}`), m);
  for (const p of ['high', 'normal', 'low']) assert.ok(hasKey(`priority.${p}`), p);
});

test('t fills parameters, falls back to English, then to the key', () => {
  assert.equal(t('home.conflicts', { count: 3 }, 'en'), '3 conflicts to look at');
  assert.equal(t('home.conflicts', { count: 3 }, 'zh-Hans'), '3 个冲突待处理');
  assert.equal(t('home.conflicts', { count: 3 }, 'zh-Hant'), '3 個衝突待處理');
  assert.equal(t('home.conflicts', {}, 'en'), '{count} conflicts to look at');
  assert.equal(t('no.such.key', null, 'zh-Hans'), 'no.such.key');
  assert.equal(t('enroll.incomplete', null, 'en'),
    'This enrollment link is incomplete: ask an administrator for a new one.');
});

test('the language follows navigator.languages', () => {
  assert.equal(pickLanguage(['zh-CN', 'en']), 'zh-Hans');
  assert.equal(pickLanguage(['zh-TW']), 'zh-Hant');
  assert.equal(pickLanguage(['zh-HK']), 'zh-Hant');
  assert.equal(pickLanguage(['zh-Hant-TW']), 'zh-Hant');
  assert.equal(pickLanguage(['zh']), 'zh-Hans');
  assert.equal(pickLanguage(['fr-FR', 'en-GB']), 'en');
  assert.equal(pickLanguage(['de']), 'en');
  assert.equal(pickLanguage([]), 'en');
  assert.deepEqual(LANGUAGES.map((l) => l.name), ['简体中文', '繁體中文', 'English']);
});

test('money in minor units, CNY by default, per locale', () => {
  assert.equal(minorDigits('CNY'), 2);
  assert.equal(minorDigits('JPY'), 0);
  assert.equal(formatMoney(1234550, { lang: 'zh-Hans' }), '¥12,345.50');
  assert.equal(formatMoney(1234550, { lang: 'en' }), 'CN¥12,345.50');
  assert.equal(formatMoney(1234550, { lang: 'zh-Hant' }), 'CN¥12,345.50');
  assert.equal(formatMoney(5, { lang: 'en', currency: 'USD' }), '$0.05');
  assert.equal(formatMoney(0, { lang: 'zh-Hans' }), '¥0.00');
  assert.equal(formatMoney(null, { lang: 'en' }), '—');
  assert.equal(formatNumber(12345, { lang: 'en' }), '12,345');
});

test('price fields: minor units to text and back', () => {
  assert.equal(minorToInput(1250), '12.50');
  assert.equal(minorToInput(7), '0.07');
  assert.equal(minorToInput(null), '');
  assert.equal(inputToMinor('12.5'), 1250);
  assert.equal(inputToMinor('12'), 1200);
  assert.equal(inputToMinor(' 1,234.56 '), 123456);
  assert.equal(inputToMinor('0.07'), 7);
  assert.equal(inputToMinor('12.'), 1200);
  assert.equal(inputToMinor('12.345'), null);
  assert.equal(inputToMinor('-1'), null);
  assert.equal(inputToMinor('abc'), null);
  assert.equal(inputToMinor(''), null);
  assert.equal(inputToMinor('100', 'JPY'), 100);
});

test('price fields: the decimal comma, grouping and full-width input (issue 17 item 1)', () => {
  const en = { decimal: '.' };
  const de = { decimal: ',' };
  // "18,5" is eighteen and a half, never 185, whoever types it.
  for (const how of [en, de]) {
    assert.equal(inputToMinor('18,5', 'CNY', how), 1850);
    assert.equal(inputToMinor('18,50', 'CNY', how), 1850);
    assert.equal(inputToMinor('0,07', 'CNY', how), 7);
    assert.equal(inputToMinor('1.234,56', 'CNY', how), 123456);
    assert.equal(inputToMinor('1,234.56', 'CNY', how), 123456);
    assert.equal(inputToMinor('1 234,56', 'CNY', how), 123456);
    assert.equal(inputToMinor('1\u202f234,56', 'CNY', how), 123456);
    assert.equal(inputToMinor('1,234,567', 'CNY', how), 123456700);
    assert.equal(inputToMinor('１８，５', 'CNY', how), 1850); // a Chinese IME's full-width text
    assert.equal(inputToMinor('１８。５', 'CNY', how), 1850);
    assert.equal(inputToMinor('1,23,4', 'CNY', how), null);
    assert.equal(inputToMinor('12,34.5', 'CNY', how), null);
    assert.equal(inputToMinor('1,2345', 'CNY', how), null);
    assert.equal(inputToMinor('.', 'CNY', how), null);
    assert.equal(inputToMinor(',5', 'CNY', how), 50);
    assert.equal(inputToMinor('18,5', 'JPY', how), null); // yen has no minor digits
  }
  // One separator before three digits: thousands, unless it is the typist's decimal separator.
  assert.equal(inputToMinor('1,234', 'CNY', en), 123400);
  assert.equal(inputToMinor('1.234', 'CNY', en), null);
  assert.equal(inputToMinor('1.234', 'CNY', de), 123400);
  assert.equal(inputToMinor('1,234', 'CNY', de), null);
  assert.equal(decimalSeparator('en'), '.');
  assert.equal(decimalSeparator('zh-Hant'), '.');
  assert.equal(decimalSeparator('de-DE'), ',');
});

test('dates per locale; a calendar date stays that day', () => {
  assert.equal(formatDate('2025-03-04', { lang: 'en', weekday: true }), 'Tue, Mar 4, 2025');
  assert.equal(formatDate('2025-03-04', { lang: 'zh-Hans', weekday: true }), '2025年3月4日周二');
  assert.equal(formatDate('2025-03-04', { lang: 'zh-Hant', weekday: true }), '2025年3月4日週二');
  assert.equal(formatDate('2025-03-04', { lang: 'en' }), 'Mar 4, 2025');
  assert.equal(formatDate('2025-03-04', { lang: 'zh-Hans' }), '2025年3月4日');
  assert.equal(formatDate('2025-03-04', { lang: 'zh-Hant' }), '2025年3月4日');
  const at = '2025-03-04T13:05:00Z';
  assert.equal(formatDateTime(at, { lang: 'en', timeZone: 'UTC' }), 'Mar 4, 2025, 1:05 PM');
  assert.match(formatDateTime(at, { lang: 'zh-Hans', timeZone: 'UTC' }), /^2025年3月4日 13:05$/);
  assert.match(formatDateTime(at, { lang: 'zh-Hant', timeZone: 'UTC' }), /^2025年3月4日 下午1:05$/);
  assert.equal(formatDate(null, { lang: 'en' }), '—');
});

test('English counts agree with their number; Chinese has one form', () => {
  assert.equal(t('home.conflicts', { count: 1 }, 'en'), '1 conflict to look at');
  assert.equal(t('home.conflicts', { count: 2 }, 'en'), '2 conflicts to look at');
  assert.equal(t('home.conflicts', { count: 0 }, 'en'), '0 conflicts to look at');
  assert.equal(t('home.conflicts', { count: 1 }, 'zh-Hans'), t('home.conflicts', { count: 2 }, 'zh-Hans').replace('2', '1'));
});
