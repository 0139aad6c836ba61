// An order's money as the server counts it (shared/mutations.py net, line_net, order_net): a
// line is qty × unit price less its discount, the order the lines' sum less its own discount;
// discounts in hundredths of a percent, rounded half up to the fen. BigInt inside: a gross of
// up to 10^15 times 10,000 passes the 2^53 a Number holds exactly.

/** `amount` (minor units) less `discountBp` hundredths of a percent, half up: net(1000, 1250) = 875. */
export function net(amount, discountBp = 0) {
  const a = BigInt(amount);
  return Number((2n * a * BigInt(10_000 - (discountBp ?? 0)) + 10_000n) / 20_000n);
}

/** A line's net: {qty, unit_price, discount_bp}. */
export function lineNet(line) {
  return net(BigInt(line.qty) * BigInt(line.unit_price), line.discount_bp ?? 0);
}

/** An order's total from its lines and its own discount. */
export function orderNet(lines, discountBp = 0) {
  return net(lines.reduce((sum, line) => sum + lineNet(line), 0), discountBp);
}

/** "12.5 %" as typed → 1250; '' → 0; null when it is not a percentage from 0 to 100 (two
 * decimals at most; a decimal comma is read too). */
export function percentToBp(text) {
  const s = String(text ?? '').trim().replace(/\s*%$/, '').replace(',', '.');
  if (s === '') return 0;
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(s)) return null;
  const [whole, frac = ''] = s.split('.');
  const bp = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return bp <= 10_000 ? bp : null;
}

/** 1250 → "12.5" (for a field: no % sign, no trailing zeros); 0 → ''. */
export function bpToPercent(bp) {
  if (!bp) return '';
  return (bp / 100).toFixed(2).replace(/\.?0+$/, '');
}
