// The VAT a tax-inclusive total holds (pwa/js/format.js vatIncluded): the same fen as the
// server's shared/money.py vat_included, whose test holds this table too.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useVocabulary, vatPercent } from '../../pwa/js/core/vocab.js';
import { vatIncluded } from '../../pwa/js/format.js';
import { vocabularyJson } from './helpers.mjs';

const VAT_TABLE = [[0, 0], [1, 0], [4, 0], [5, 1], [100, 12], [11300, 1300], [13500, 1553],
  [99999, 11504], [10 ** 15, 115044247787611]];

test('the VAT inside a total, half up to the fen, exact beyond 2^53', () => {
  useVocabulary(vocabularyJson());
  assert.equal(vatPercent(), 13);
  for (const [total, vat] of VAT_TABLE) assert.equal(vatIncluded(total, vatPercent()), vat, String(total));
});
