// Scans before lookup (pwa/js/core/scan.js): double reads count once, and a wedge scanner's
// keystrokes say what to fix.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cleanCode, createDebouncer, examineKeystrokes } from '../../pwa/js/core/scan.js';

test('the same code within the window counts once; after it, or another code, counts again', () => {
  const d = createDebouncer(1500);
  assert.equal(d.seen('A', 0), false);
  assert.equal(d.seen('A', 400), true);
  assert.equal(d.seen('B', 500), false);
  assert.equal(d.seen('A', 1000), true, 'the window runs from the last read');
  assert.equal(d.seen('A', 2600), false);
});

test('scanner input is trimmed of line ends and spaces only', () => {
  assert.equal(cleanCode('  HTTPS://X/Q/ABC\r\n'), 'HTTPS://X/Q/ABC');
  assert.equal(cleanCode(undefined), '');
});

const typed = (text, gap, suffix = 'Enter') => {
  const keys = [...text].map((key, i) => ({ key, at: i * gap }));
  if (suffix) keys.push({ key: suffix, at: text.length * gap });
  return keys;
};

test('a well-set scanner: fast keys, CR suffix, no problems', () => {
  const r = examineKeystrokes(typed('ABC234', 4));
  assert.deepEqual(r.problems, []);
  assert.equal(r.text, 'ABC234');
  assert.equal(r.suffix, 'Enter (CR)');
  assert.equal(r.characters, 6);
  assert.equal(r.maxGapMs, 4);
});

test('each misconfiguration is named', () => {
  assert.deepEqual(examineKeystrokes(typed('ABC', 4, null)).problems, ['no_suffix']);
  assert.deepEqual(examineKeystrokes(typed('ABC', 4, 'Tab')).problems, ['tab_suffix']);
  assert.deepEqual(examineKeystrokes(typed('ABC', 120)).problems, ['slow']);
  assert.deepEqual(examineKeystrokes(typed('AÄB', 4)).problems, ['not_ascii']);
  assert.deepEqual(examineKeystrokes([{ key: 'Enter', at: 0 }]).problems, ['empty']);
});

test('shift presses of upper-case letters are not characters', () => {
  const keys = [{ key: 'Shift', at: 0 }, { key: 'A', at: 1 }, { key: 'Shift', at: 2 }, { key: 'B', at: 3 }, { key: 'Enter', at: 4 }];
  const r = examineKeystrokes(keys);
  assert.equal(r.text, 'AB');
  assert.deepEqual(r.problems, []);
});
