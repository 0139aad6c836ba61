import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BadHlc, Clock, Timestamp, format, parse } from '../../pwa/js/core/hlc.js';
import { vectors } from './helpers.mjs';

const V = vectors('hlc.json');

describe('hlc: the vectors of sync/hlc.py', () => {
  for (const seq of V.sequences) {
    test(seq.name, () => {
      let wall = 0;
      const clock = new Clock(seq.node, seq.last, () => wall);
      for (const [i, step] of seq.steps.entries()) {
        wall = step.wall;
        const where = `step ${i}: ${JSON.stringify(step)}`;
        if (step.op === 'now') {
          assert.equal(String(clock.now()), step.expect, where);
        } else if (step.expect === null) {
          assert.throws(() => clock.receive(step.remote), BadHlc, where);
        } else {
          assert.equal(String(clock.receive(step.remote)), step.expect, where);
        }
        assert.equal(String(clock.last), step.last, where);
      }
    });
  }

  test('parse and format', () => {
    for (const { text, expect } of V.parse) {
      if (expect === null) {
        assert.throws(() => parse(text), BadHlc, JSON.stringify(text));
      } else {
        assert.deepEqual({ ...parse(text) }, expect, text);
        assert.equal(format(parse(text)), text);
      }
    }
  });
});

describe('hlc: the JS side', () => {
  test('refuses what Python lets through (a trailing newline, non-ASCII digits) and non-text', () => {
    for (const text of ['001763892000123-00000-node\n', '٠٠١763892000123-00000-node', null, 5, {}]) {
      assert.throws(() => parse(text), BadHlc);
    }
  });

  test('a Timestamp reads as its text (String, template, JSON)', () => {
    const ts = new Timestamp(1763892000123, 7, 'node-1');
    assert.equal(String(ts), '001763892000123-00007-node-1');
    assert.equal(`${ts}`, '001763892000123-00007-node-1');
    assert.equal(JSON.stringify({ hlc: ts }), '{"hlc":"001763892000123-00007-node-1"}');
    assert.ok(Object.isFrozen(ts));
  });

  test('a clock goes on from a Timestamp, its text, or nothing', () => {
    const last = '001763892000123-00007-node-1';
    assert.equal(String(new Clock('node-1', parse(last), () => 0).now()), '001763892000123-00008-node-1');
    assert.equal(String(new Clock('node-1', last, () => 0).now()), '001763892000123-00008-node-1');
    assert.equal(String(new Clock('node-1', undefined, () => 5).now()), '000000000000005-00000-node-1');
  });

  test('the text of every new timestamp sorts after the last, whatever the clocks do', () => {
    let seed = 42;
    const rand = (n) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let wall = 1_000_000;
    const a = new Clock('a-node', null, () => wall);
    const b = new Clock('b-node', null, () => wall + rand(2000) - 1000);
    let last = '';
    for (let i = 0; i < 5000; i += 1) {
      wall += rand(3) - 1; // stands still, goes back, moves on
      const ts = rand(4) === 0 ? a.receive(b.now()) : a.now();
      assert.ok(String(ts) > last, `${ts} after ${last}`);
      last = String(ts);
    }
  });
});
