// The scanner test page (docs/scanners.md): scan any code into the box and see exactly what the
// hardware scanner sent — every key with its timing, the suffix — and what to fix in its
// settings. Nothing is looked up or recorded here.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { examineKeystrokes } from '../core/scan.js';
import { t } from '../i18n.js';
import { Screen } from './components.js';

// A scan is over when no key came for this long (a scanner without a suffix never says so).
const QUIET_MS = 300;

export function ScannerTest() {
  const [report, setReport] = useState(null);
  const [keys, setKeys] = useState([]);
  const events = useRef([]);
  const quiet = useRef(null);
  const box = useRef(null);

  useEffect(() => box.current?.focus(), []);

  function finish() {
    clearTimeout(quiet.current);
    const got = events.current;
    events.current = [];
    if (got.length) {
      setKeys(got);
      setReport(examineKeystrokes(got));
    }
  }

  const onKeyDown = (e) => {
    events.current.push({ key: e.key, at: e.timeStamp });
    if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      finish();
      e.currentTarget.value = '';
      return;
    }
    clearTimeout(quiet.current);
    quiet.current = setTimeout(finish, QUIET_MS);
  };

  return html`
    <${Screen} title=${t('scanner.title')} back="/scan" testid="scanner-test">
      <p class="muted">${t('scanner.hint')}</p>
      <input ref=${box} class="scan-input" data-testid="scanner-input" autocomplete="off" spellcheck="false"
        inputmode="none" aria-label=${t('scanner.title')} onKeyDown=${onKeyDown} />
      ${report && html`
        <div class=${report.problems.length ? 'card warn' : 'card ok'} data-testid="scanner-report"
          data-problems=${report.problems.join(' ')}>
          <dl class="facts">
            <dt>${t('scanner.text')}</dt><dd><code data-testid="scanner-text">${report.text}</code></dd>
            <dt>${t('scanner.characters')}</dt><dd>${report.characters}</dd>
            <dt>${t('scanner.suffix')}</dt><dd data-testid="scanner-suffix">${report.suffix ?? t('scanner.noSuffix')}</dd>
            <dt>${t('scanner.timing')}</dt>
            <dd>${t('scanner.timingValue', { mean: report.meanGapMs, max: report.maxGapMs, total: report.durationMs })}</dd>
          </dl>
          ${report.problems.length
            ? html`<ul data-testid="scanner-problems">${report.problems.map((p) => html`<li data-problem=${p}>${t(`scanner.problem.${p}`)}</li>`)}</ul>`
            : html`<p data-testid="scanner-ok">${t('scanner.ok')}</p>`}
          <details>
            <summary>${t('scanner.keys')}</summary>
            <ol class="keys">${keys.map((k, i) => html`<li key=${i}><code>${k.key}</code>
              ${i > 0 && html` <small>+${Math.round(k.at - keys[i - 1].at)} ms</small>`}</li>`)}</ol>
          </details>
        </div>`}
    <//>`;
}
