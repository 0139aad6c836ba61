// The vocabulary shared with the server (shared/export.py → /shared/vocabulary.json) and the
// questions the app asks of it. main.js (or a test) hands the JSON over once with useVocabulary.

let vocab = null;

/** Sets the vocabulary (the parsed JSON, or its text); returns it. Later calls replace it. */
export function useVocabulary(json) {
  const v = typeof json === 'string' ? JSON.parse(json) : json;
  for (const key of ['statuses', 'priorities', 'transitions', 'transition_roles', 'super_roles', 'fields_locked',
    'lines_locked', 'roles', 'mutations_by_role', 'permissions', 'order_update_fields', 'protocol']) {
    if (!v || v[key] === undefined) throw new TypeError(`vocabulary: "${key}" is missing`);
  }
  vocab = deepFreeze(v);
  return vocab;
}

/** The vocabulary set by useVocabulary (throws before it is set). */
export function vocabulary() {
  if (vocab === null) throw new Error('vocabulary not loaded: call useVocabulary(json) first');
  return vocab;
}

function deepFreeze(value) {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function has(list, item) {
  return Array.isArray(list) && list.includes(item);
}

/** Every order status, in the order of the state machine. */
export function statuses() {
  return vocabulary().statuses;
}

/** Every order priority, highest first (= shared.mutations.Priority). */
export function priorities() {
  return vocabulary().priorities;
}

/** Whether the state machine allows `from → to` (= shared.states.can_transition). */
export function canTransition(from, to) {
  return Object.hasOwn(vocabulary().transitions, from) && has(vocab.transitions[from], to);
}

/** Whether `role` may move an order into `to` (= shared.states.role_may_transition). */
export function roleMayTransition(role, to) {
  const v = vocabulary();
  if (has(v.super_roles, role)) return true;
  return Object.hasOwn(v.transition_roles, to) && has(v.transition_roles[to], role);
}

/** The statuses `role` may move an order in `status` into, in state machine order. */
export function transitionsFor(role, status) {
  return statuses().filter((to) => canTransition(status, to) && roleMayTransition(role, to));
}

/** Whether `role` may send the mutation `name` at all (= shared.roles.may_send). */
export function mayMutate(role, name) {
  const v = vocabulary();
  return Object.hasOwn(v.mutations_by_role, role) && has(v.mutations_by_role[role], name);
}

/** Whether `role` has `permission` (= shared.roles.has_permission). */
export function hasPermission(role, permission) {
  const v = vocabulary();
  return Object.hasOwn(v.permissions, permission) && has(v.permissions[permission], role);
}

/** The VAT rate prices include, in percent (shared/money.py VAT_PERCENT); null if unknown. */
export function vatPercent() {
  return vocabulary().vat_percent ?? null;
}

/** Whether an order in `status` can be overdue (shared/states.py OVERDUE_STATUSES). */
export function mayBeOverdue(status) {
  const v = vocabulary();
  // A vocabulary cached offline by an older server has no overdue_statuses: its rule was
  // "not fields_locked", which is what OVERDUE_STATUSES is.
  return v.overdue_statuses ? has(v.overdue_statuses, status) : !has(v.fields_locked, status);
}

/** Whether an order's header fields are locked in `status`. */
export function fieldsLocked(status) {
  return has(vocabulary().fields_locked, status);
}

/** Whether an order's lines are locked in `status` (from picking on). */
export function linesLocked(status) {
  return has(vocabulary().lines_locked, status);
}

/** The statuses an order may be redeemed in (= shared.states.REDEEMABLE); a vocabulary from
 * before redemption existed: delivered and shipped (docs/warehouse.md). */
export function redeemableStatuses() {
  return vocabulary().redeemable ?? ['delivered', 'shipped'];
}

/** The fields `order.update` may set. */
export function orderUpdateFields() {
  return vocabulary().order_update_fields;
}
