// What the tests of pwa/js/core share: the vectors Python wrote (tests/vectors/) and the
// vocabulary exported from shared/ (ORDERLY_VOCABULARY, set by `make test-js`).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function vectors(name) {
  return JSON.parse(readFileSync(resolve(ROOT, 'tests', 'vectors', name), 'utf8'));
}

export function vocabularyJson() {
  const path = resolve(ROOT, process.env.ORDERLY_VOCABULARY ?? 'build/vocabulary.json');
  if (!existsSync(path)) {
    throw new Error(`no vocabulary at ${path}: run \`make test-js\` (it exports shared/ first)`);
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function clone(value) {
  return structuredClone(value);
}
