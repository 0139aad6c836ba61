// What a scan is before anything looks it up (docs/warehouse.md, "Scanner onboarding"): the
// same code read twice within a short window counts once, and a keyboard-wedge scanner's
// keystrokes can be examined to tell the user what to fix in its settings. Pure: no DOM.

/** Hardware scanners and cameras read the same code several times in a row. */
export const DUPLICATE_WINDOW_MS = 1500;

/** `seen(code, at)` → true when `code` was already read less than `windowMs` before `at`. */
export function createDebouncer(windowMs = DUPLICATE_WINDOW_MS) {
  const last = new Map();
  return {
    seen(code, at) {
      const before = last.get(code);
      last.set(code, at);
      // Forget old codes so a long shift does not grow the map without end.
      if (last.size > 256) {
        for (const [c, t] of last) if (at - t > windowMs) last.delete(c);
      }
      return before !== undefined && at - before < windowMs;
    },
  };
}

/** Cleans what a scanner typed: surrounding whitespace and line ends, nothing else (codes are
 * plain ASCII; anything else is a scanner setting to fix, reported by `examineKeystrokes`). */
export function cleanCode(text) {
  return String(text ?? '').trim();
}

const SUFFIXES = { Enter: 'Enter (CR)', Tab: 'Tab', '\n': 'LF', '\r': 'CR' };

/**
 * Examines the keydown events of one scan, `[{key, at}]` (`at` in ms), as a keyboard-wedge
 * scanner sent them. Answers what was typed, the suffix, the timing and a list of problems, each
 * a stable code the screen words: `no_suffix` (set a CR/Enter suffix), `tab_suffix` (Tab moves
 * the focus away: use CR), `slow` (keys more than 50 ms apart: a person typing, or "send
 * characters as events" off / an inter-character delay set), `not_ascii` (characters a
 * keyboard layout mangled: set the scanner's keyboard language to the device's), `empty`.
 */
export function examineKeystrokes(events) {
  const keys = events.filter((e) => e.key !== 'Shift' && e.key !== 'Unidentified');
  let suffix = null;
  let body = keys;
  const lastKey = keys.at(-1)?.key;
  if (lastKey && lastKey in SUFFIXES) {
    suffix = SUFFIXES[lastKey];
    body = keys.slice(0, -1);
  }
  const text = body.map((e) => (e.key.length === 1 ? e.key : `⟨${e.key}⟩`)).join('');
  const gaps = [];
  for (let i = 1; i < keys.length; i++) gaps.push(keys[i].at - keys[i - 1].at);
  const maxGap = gaps.length ? Math.max(...gaps) : 0;
  const meanGap = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : 0;
  const problems = [];
  if (!body.length) problems.push('empty');
  if (!suffix) problems.push('no_suffix');
  else if (suffix === 'Tab') problems.push('tab_suffix');
  if (maxGap > 50) problems.push('slow');
  if (body.some((e) => e.key.length !== 1 || e.key.charCodeAt(0) > 126 || e.key.charCodeAt(0) < 32)) {
    problems.push('not_ascii');
  }
  return {
    text,
    suffix,
    characters: body.length,
    meanGapMs: Math.round(meanGap * 10) / 10,
    maxGapMs: maxGap,
    durationMs: keys.length ? keys.at(-1).at - keys[0].at : 0,
    problems,
  };
}
