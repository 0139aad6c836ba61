// The catalog's bounds in the forms (docs/pwa.md, "Validation"): a problem of core/validate.js
// said in the user's language, a counter under long text, the range under numbers (money in the
// user's money format, never minor units), and the message next to the field.

import { html } from 'htm/preact';

import { Invalid, limitsOf, textLength, valueProblems } from '../core/validate.js';
import { formatMoney, formatNumber } from '../format.js';
import { hasKey, t } from '../i18n.js';
import { Field } from './components.js';

// Fields the catalog holds in integer minor units: shown, and their limits said, as money.
export const MONEY_FIELDS = new Set(['unit_price', 'amount', 'credit_limit', 'total']);

/** The localized label of a catalog field (`field.<name>`); a line's field names its line. */
export function fieldLabel(path) {
  const name = [...path].reverse().find((step) => typeof step === 'string');
  const index = path.findIndex((step) => typeof step === 'number');
  const label = name === undefined ? t('invalid.args') : hasKey(`field.${name}`) ? t(`field.${name}`) : name;
  return index >= 0 && path.length > index + 1 ? `${t('invalid.line', { n: path[index] + 1 })} · ${label}` : label;
}

/** A limit as the user reads it: money formatted as money, counts with grouping. */
export function limitText(path, limit) {
  const name = [...path].reverse().find((step) => typeof step === 'string');
  if (typeof limit !== 'number') return String(limit);
  return MONEY_FIELDS.has(name) ? formatMoney(limit) : formatNumber(limit);
}

/** A problem of core/validate.js as one sentence in the user's language, naming the field:
 * "Notes: at most 2,000 characters (now 2,500)." */
export function describe(problem) {
  const { path = [], rule, limit, actual } = problem;
  const field = fieldLabel(path);
  if (rule === 'unknown' && !path.length) return t('invalid.mutation');
  if (rule === 'minLength' && limit === 1) return t('invalid.empty', { field });
  const key = hasKey(`invalid.${rule}`) ? `invalid.${rule}` : 'invalid.type';
  return t(key, {
    field,
    limit: rule === 'maxTotal' ? formatMoney(limit) : limitText(path, limit),
    actual: formatNumber(actual ?? 0),
  });
}

/** The sentences of an Invalid error (or of a list of problems), one per problem. */
export function describeAll(problems) {
  return (problems instanceof Invalid ? problems.problems : problems).map(describe);
}

/** Problems of one field of mutation `name`, checked as the user types (an empty field is
 * checked as the null the form will send). */
export function fieldProblems(name, path, value) {
  return valueProblems(name, path, value);
}

/** "1,234 / 2,000" under a text field with a maximum length; marked once over it. */
export function Counter({ value, max, testid }) {
  if (max === undefined) return null;
  const count = textLength(value ?? '');
  return html`<small class=${`counter${count > max ? ' over' : ''}`} data-testid=${testid} aria-live="polite">
    ${t('invalid.counter', { count: formatNumber(count), limit: formatNumber(max) })}</small>`;
}

/** The sentences of a field's problems, next to the field. */
export function FieldProblems({ problems, testid }) {
  if (!problems?.length) return null;
  return html`<p class="field-error" role="alert" data-testid=${testid}>${problems.map(describe).join(' ')}</p>`;
}

/** A text field with the catalog's bound of `name` at `path`: a counter under it, and the
 * problem of what was typed next to it (checked as the form will `send` it). Nothing typed is no
 * problem here: a required field's form says so when it saves. */
export function LimitedField({ name, path, value, send, label, onInput, testid, multiline, ...rest }) {
  const limits = limitsOf(name, path);
  const typed = value !== undefined && value !== null && value !== '';
  const problems = typed ? fieldProblems(name, path, send === undefined ? value : send) : [];
  return html`
    <div class=${`limited${problems.length ? ' invalid' : ''}`}>
      <${Field} label=${label} value=${value} onInput=${onInput} testid=${testid} multiline=${multiline}
        aria-invalid=${problems.length ? 'true' : 'false'} ...${rest} />
      <${Counter} value=${value} max=${limits.maxLength} testid=${`${testid}-count`} />
      <${FieldProblems} problems=${problems} testid=${`${testid}-problem`} />
    </div>`;
}

/** The range of a number field, as a hint: "From 1 to 1,000,000", or "Up to ¥10,000,000,000.00"
 * for money (whose minimum is 0). */
export function rangeHint(name, path) {
  const { minimum, maximum } = limitsOf(name, path);
  if (maximum === undefined) return '';
  const max = limitText(path, maximum);
  if (minimum === undefined || (minimum === 0 && MONEY_FIELDS.has(path[path.length - 1]))) {
    return t('invalid.upTo', { max });
  }
  return t('invalid.range', { min: limitText(path, minimum), max });
}
