import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  ERRORS,
  ProtocolError,
  checkPullResponse,
  checkPushResponse,
  classifyError,
  pullRequest,
  pushRequest,
} from '../../pwa/js/core/protocol.js';
import { useVocabulary } from '../../pwa/js/core/vocab.js';
import { vectors, vocabularyJson } from './helpers.mjs';

const V = vectors('protocol.json');

// The fields' bounds come from the vocabulary, as in the app.
before(() => useVocabulary(vocabularyJson()));

describe('protocol: the vectors of sync/protocol.py', () => {
  test('push requests are msgspec.json.encode byte for byte', () => {
    for (const { input, json } of V.push) assert.equal(JSON.stringify(pushRequest(input)), json);
  });

  test('pull requests are msgspec.json.encode byte for byte', () => {
    for (const { input, json } of V.pull) assert.equal(JSON.stringify(pullRequest(input)), json);
  });

  test('requests msgspec refuses are refused', () => {
    for (const input of V.bad_push) assert.throws(() => pushRequest(input), ProtocolError, JSON.stringify(input));
    for (const input of V.bad_pull) assert.throws(() => pullRequest(input), ProtocolError, JSON.stringify(input));
  });

  for (const [name, check, cases] of [
    ['push', checkPushResponse, V.push_responses],
    ['pull', checkPullResponse, V.pull_responses],
  ]) {
    test(`${name} responses: what msgspec decodes, and what it refuses`, () => {
      for (const { body, expect } of cases) {
        for (const given of [body, JSON.stringify(body)]) {
          if (expect === null) assert.throws(() => check(given), ProtocolError, JSON.stringify(body));
          else assert.deepEqual(check(given), expect, JSON.stringify(body));
        }
      }
    });
  }

  test('error answers read as sync.transport.error_from_body reads them', () => {
    for (const { status, body, expect } of V.errors) {
      const e = classifyError(status, body);
      assert.deepEqual(
        { code: e.code, message: e.message, last_mutation_id: e.lastMutationId, limits: e.limits },
        expect,
        `${status} ${body}`,
      );
      assert.equal(e.status, status);
    }
  });
});

describe('protocol: the JS side', () => {
  test('what the sync loop does about each error', () => {
    const kind = (status, code) => classifyError(status, JSON.stringify({ code, message: 'm' })).kind;
    assert.equal(kind(409, 'mutation_gap'), 'gap');
    assert.equal(kind(413, 'too_large'), 'too_large');
    assert.equal(kind(409, 'upgrade_required'), 'upgrade_required');
    assert.equal(kind(401, 'device_revoked'), 'device_revoked');
    assert.equal(kind(401, 'unauthorized'), 'unauthorized');
    assert.equal(kind(400, 'bad_cursor'), 'bad_cursor');
    assert.equal(kind(403, 'forbidden'), 'error');
    assert.equal(classifyError(401, 'Unauthorized').kind, 'unauthorized');
    assert.equal(classifyError(413, '').kind, 'too_large');
    for (const status of [500, 502, 503, 408, 425, 429]) assert.equal(classifyError(status, '').kind, 'retry');
    for (const entry of Object.values(ERRORS)) assert.ok(entry.meaning.length > 10);
  });

  test('values JSON would drop or change are refused in args', () => {
    const base = { id: 1, name: 'customer.upsert', hlc: 'h' };
    for (const args of [{ a: undefined }, { a: NaN }, { a: Infinity }, { a: () => 1 }, { a: new Date(0) }, { a: 1n }]) {
      assert.throws(() => pushRequest({ clientId: 'abcdefgh', mutations: [{ ...base, args }] }), ProtocolError);
    }
  });

  test('messages name the field', () => {
    assert.throws(
      () => checkPushResponse({ last_mutation_id: 1, results: [{ id: 1, status: 'nope' }] }),
      /push response: results\[0\]\.status must be one of applied/,
    );
    assert.throws(() => checkPullResponse('{"cursor":'), /pull response: not JSON/);
    assert.throws(() => pullRequest({ clientId: 'abcdefgh', limit: 0 }), /limit must be an integer 1…10000, not 0/);
  });

  test('mutations go out in wire form whatever else the outbox row holds', () => {
    const m = { extra: 1, user_id: undefined, hlc: 'h', args: {}, name: 'n', id: 3 };
    assert.equal(
      JSON.stringify(pushRequest({ clientId: 'abcdefgh', mutations: [m] })),
      '{"client_id":"abcdefgh","schema":1,"mutations":[{"id":3,"name":"n","args":{},"hlc":"h","user_id":null}],"pending":null}',
    );
  });
});
