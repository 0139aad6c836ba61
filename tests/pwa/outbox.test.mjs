import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Timestamp } from '../../pwa/js/core/hlc.js';
import * as outbox from '../../pwa/js/core/outbox.js';
import { clone, vectors } from './helpers.mjs';

const V = vectors('outbox.json');

describe('outbox: the vectors of sync.client.LocalStore', () => {
  for (const seq of V.sequences) {
    test(seq.name, () => {
      const state = seq.start ? clone(seq.start) : outbox.emptyOutbox();
      for (const [i, step] of seq.steps.entries()) {
        const where = `step ${i}: ${step.op}`;
        if (step.op === 'enqueue') {
          const m = outbox.enqueue(state, step.name, step.args, step.hlc, step.user_id);
          assert.deepEqual(m, step.mutation, where);
        } else if (step.op === 'acknowledged') {
          assert.equal(outbox.acknowledged(state, step.last), state);
        } else if (step.op === 'pulled') {
          assert.equal(outbox.pulled(state, step.last), state);
        } else if (step.op === 'resume_after') {
          assert.equal(outbox.resumeAfter(state, step.server_last), state);
        } else if (step.op === 'pending') {
          assert.deepEqual(outbox.pending(state, step.skip), step.pending, where);
        } else {
          assert.fail(`unknown op ${step.op}`);
        }
        assert.deepEqual(state, step.state, where);
      }
    });
  }
});

describe('outbox: the JS side', () => {
  test('enqueue takes the clock Timestamp as it is, and no user as null', () => {
    const state = outbox.emptyOutbox();
    const m = outbox.enqueue(state, 'x', {}, new Timestamp(5, 1, 'n'));
    assert.deepEqual(m, { id: 1, name: 'x', args: {}, hlc: '000000000000005-00001-n', user_id: null });
  });

  test('renumbering leaves the mutations it was given alone', () => {
    const state = { ...outbox.emptyOutbox(), nextMutationId: 5 };
    const m = outbox.enqueue(state, 'x', {}, 'h');
    outbox.resumeAfter(state, 2);
    assert.equal(m.id, 5);
    assert.equal(state.outbox[0].id, 3);
  });
});
