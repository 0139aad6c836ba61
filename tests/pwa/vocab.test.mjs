import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as vocab from '../../pwa/js/core/vocab.js';
import { vectors, vocabularyJson } from './helpers.mjs';

const V = vectors('vocab.json');

describe('vocab: the answers of shared/states.py and shared/roles.py', () => {
  before(() => vocab.useVocabulary(vocabularyJson()));

  test('statuses', () => assert.deepEqual(vocab.statuses(), V.statuses.filter((s) => s !== 'lost')));

  test('priorities: highest first, the ones order.create accepts', () => {
    assert.deepEqual(vocab.priorities(), ['high', 'normal', 'low']);
    const create = vocabularyJson().mutations['order.create'];
    const accepted = create.$defs.OrderCreate.properties.priority.enum;
    assert.deepEqual([...vocab.priorities()].sort(), [...accepted].sort());
  });

  test('canTransition', () => {
    for (const from of V.statuses) {
      assert.deepEqual(V.statuses.filter((to) => vocab.canTransition(from, to)), V.can_transition[from], from);
    }
  });

  test('transitionsFor', () => {
    for (const [role, byStatus] of Object.entries(V.transitions_for)) {
      for (const [status, expect] of Object.entries(byStatus)) {
        assert.deepEqual(vocab.transitionsFor(role, status), expect, `${role} ${status}`);
      }
    }
  });

  test('mayMutate', () => {
    for (const [role, expect] of Object.entries(V.may_mutate)) {
      assert.deepEqual(V.mutation_names.filter((n) => vocab.mayMutate(role, n)), expect, role);
    }
  });

  test('hasPermission', () => {
    for (const [role, expect] of Object.entries(V.has_permission)) {
      assert.deepEqual(V.permission_names.filter((p) => vocab.hasPermission(role, p)), expect, role);
    }
  });

  test('fieldsLocked, linesLocked', () => {
    assert.deepEqual(V.statuses.filter(vocab.fieldsLocked), V.fields_locked);
    assert.deepEqual(V.statuses.filter(vocab.linesLocked), V.lines_locked);
  });

  test('mayBeOverdue: shared OVERDUE_STATUSES (drafts in, goods gone out)', () => {
    const overdue = V.statuses.filter(vocab.mayBeOverdue);
    assert.deepEqual([...overdue].sort(), vocabularyJson().overdue_statuses);
    assert.ok(overdue.includes('draft') && overdue.includes('packed'));
    assert.ok(!overdue.includes('shipped') && !overdue.includes('cancelled'));
  });

  test('orderUpdateFields', () => {
    assert.deepEqual(vocab.orderUpdateFields(), vocabularyJson().order_update_fields);
    assert.ok(vocab.orderUpdateFields().includes('notes'));
  });

  test('names inherited from Object are no statuses, roles or permissions', () => {
    assert.equal(vocab.canTransition('constructor', 'toString'), false);
    assert.deepEqual(vocab.transitionsFor('constructor', 'draft'), []);
    assert.equal(vocab.mayMutate('toString', 'order.create'), false);
    assert.equal(vocab.hasPermission('admin', '__proto__'), false);
  });

  test('the vocabulary is frozen', () => {
    assert.throws(() => {
      vocab.vocabulary().statuses.push('x');
    }, TypeError);
  });
});

describe('vocab: before and while loading', () => {
  test('asking before useVocabulary says what to do', async () => {
    const fresh = await import('../../pwa/js/core/vocab.js?before-loading');
    assert.throws(() => fresh.statuses(), /useVocabulary/);
  });

  test('a vocabulary without a part is refused, and text is parsed', async () => {
    const fresh = await import('../../pwa/js/core/vocab.js?while-loading');
    const json = vocabularyJson();
    delete json.transitions;
    assert.throws(() => fresh.useVocabulary(json), /transitions/);
    fresh.useVocabulary(JSON.stringify(vocabularyJson()));
    assert.equal(fresh.canTransition('draft', 'submitted'), true);
  });
});
