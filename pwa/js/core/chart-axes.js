// What the reports' charts need besides uPlot (docs/admin.md § Reports): which scale a series is
// drawn on — money on its own axis, in yuan, never fen; payments beside order totals on a second
// axis, since a day's payments are a fraction of its orders' total and flattened to zero on a
// shared one — and how wide an axis must be for its longest label (uPlot's fixed 50 px clipped
// "¥120,000"). Pure, so node tests it.

/** Columns of money (minor units) in the reports. */
export const MONEY = new Set(['order_total', 'received', 'refunded']);
// The sales report's payments: on the right-hand axis, beside order totals on the left.
const PAYMENTS = new Set(['received', 'refunded']);

/** The scale a series of `report` is drawn on: 'money' (left), 'paid' (right) or 'y'. */
export function scaleOf(label) {
  if (PAYMENTS.has(label)) return 'paid';
  return MONEY.has(label) ? 'money' : 'y';
}

/** The y axes a report's series need, in order: [{scale, side}] (side 3 left, 1 right). */
export function axesOf(labels) {
  const scales = [...new Set(labels.map(scaleOf))];
  return scales.map((scale, i) => ({ scale, side: i === 0 ? 3 : 1 }));
}

const CHAR_PX = 7.5; // the width of a digit of the axis font (12 px system sans)
const TICK_PX = 18; // the tick, its gap and the padding around the labels

/** The width in px an axis needs for `labels` (uPlot calls it with the values it will draw). */
export function axisWidth(labels) {
  const longest = Math.max(0, ...(labels ?? []).map((l) => String(l ?? '').length));
  return Math.ceil(Math.max(longest, 3) * CHAR_PX + TICK_PX);
}
