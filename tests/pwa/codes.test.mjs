// Every server code has words (issue 13, item 5): each code and conflict kind shared/codes.py lists
// (exported in vocabulary.json "codes"; tests/shared/test_codes.py holds the list to what sync/
// and server/ use) has a text in en, zh-Hans and zh-Hant, and every rule of core/validate.js has
// its sentence. A new code without words fails here.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LOCALES } from '../../pwa/js/i18n.js';
import { vocabularyJson } from './helpers.mjs';

const LANGS = ['en', 'zh-Hans', 'zh-Hant'];
const RULES = ['maxLength', 'minLength', 'maximum', 'minimum', 'pattern', 'enum', 'required', 'type',
  'unknown', 'maxItems', 'minItems', 'minProperties', 'nul'];

test('the vocabulary lists the codes, each list with the prefix of its words', () => {
  const { codes } = vocabularyJson();
  assert.deepEqual(Object.keys(codes).sort(), ['conflict_kind', 'http_error', 'import_cell', 'reject', 'sync_error']);
  for (const { prefix, codes: list } of Object.values(codes)) {
    assert.match(prefix, /\.$/);
    assert.ok(list.length > 0);
  }
  assert.ok(codes.conflict_kind.codes.includes('overwritten'));
  assert.ok(codes.reject.codes.includes('invalid_args'));
});

test('every code and conflict kind has words in every language', () => {
  const missing = [];
  for (const { prefix, codes: list } of Object.values(vocabularyJson().codes)) {
    for (const code of list) {
      for (const lang of LANGS) {
        const text = LOCALES[lang][`${prefix}${code}`];
        if (typeof text !== 'string' || !text.trim()) missing.push(`${lang} ${prefix}${code}`);
      }
    }
  }
  assert.deepEqual(missing, [], 'give these words in pwa/js/locales/codes.js');
});

test('the Chinese words of the codes are Chinese', () => {
  for (const { prefix, codes: list } of Object.values(vocabularyJson().codes)) {
    for (const code of list) {
      for (const lang of ['zh-Hans', 'zh-Hant']) {
        const text = LOCALES[lang][`${prefix}${code}`].replace(/XLSX|CSV|SKU|QR/g, '');
        assert.doesNotMatch(text, /[A-Za-z]{3}/, `${lang} ${prefix}${code}: ${text}`);
      }
    }
  }
});

test('every rule of the validator has its sentence, naming the field', () => {
  for (const rule of RULES) {
    for (const lang of LANGS) {
      const text = LOCALES[lang][`invalid.${rule}`];
      assert.equal(typeof text, 'string', `${lang} invalid.${rule}`);
      if (rule !== 'minProperties') assert.match(text, /\{field\}/, `${lang} invalid.${rule}`);
    }
  }
});

test('every field of the catalog has a label in every language', () => {
  const fields = new Set();
  const collect = (schema) => {
    if (!schema || typeof schema !== 'object') return;
    for (const [key, value] of Object.entries(schema.properties ?? {})) {
      fields.add(key);
      collect(value);
    }
    for (const value of Object.values(schema)) if (value && typeof value === 'object') collect(value);
  };
  for (const schema of Object.values(vocabularyJson().mutations)) collect(schema);
  const missing = [...fields].flatMap((f) => LANGS.filter((lang) => !LOCALES[lang][`field.${f}`]).map((lang) => `${lang} field.${f}`));
  assert.deepEqual(missing, []);
});
