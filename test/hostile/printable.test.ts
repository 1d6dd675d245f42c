/**
 * Names, titles and labels reach the terminal, charts and report.html: an experiment file may not carry a
 * control character in them, and a chart or page built from a hand-made summary that does still renders.
 */
import type { TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { escHtml } from '../../src/core/escape.js';
import { renderChart } from '../../src/report/render.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';

const BASE = 'name: x\ndataset: greenserv-pool\nruns: 1\nlambdas: [0.5]\narms:\n  - policy: linucb\n';

describe('experiment files', () => {
  it.each([
    ['a title with a window-title sequence', 'name: x\ntitle: "T \\e]0;pwned\\a"\ndataset: greenserv-pool\nruns: 1\nlambdas: [0.5]\narms:\n  - policy: linucb\n', 2, 'title', '"T \\u001b]0;pwned\\u0007"'],
    ['an arm label with a colour sequence', BASE + '    label: "lin\\e[31mucb"\n', 7, 'arms.0.label', '"lin\\u001b[31mucb"'],
    ['a key with a C1 control', BASE + '"\\x9b": 1\n', 7, '\\u009b', '"\\u009b"'],
  ])('refuse %s, naming the line and field, the value escaped', (_what, text, line, field, shown) => {
    const e = (() => {
      try {
        parseExperiment(text, 'evil.yaml');
      } catch (x) {
        return x;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(DataError);
    const m = (e as Error).message;
    expect(m.startsWith(`evil.yaml:${line} (field '${field}'): ${shown} holds a control character`)).toBe(true);
    expect(/[\u0000-\u001f\u007f-\u009f]/.test(m)).toBe(false);
  });

  it('accept line breaks and tabs in a title, and printable text anywhere', () => {
    const cfg = parseExperiment('name: x\ntitle: "two\\n\\tlines — α"\ndataset: greenserv-pool\nruns: 1\nlambdas: [0.5]\narms:\n  - policy: linucb\n    label: "LinUCB α=0.1"\n', 'ok.yaml');
    expect(cfg.title).toBe('two\n\tlines — α');
    expect(cfg.arms[0].label).toBe('LinUCB α=0.1');
  });
});

describe('report text from a hand-made summary', () => {
  it('a chart whose label holds an escape still renders, the character drawn as U+FFFD', async () => {
    const spec: TopLevelSpec = {
      data: { values: [{ policy: 'lin\u001b[2Jucb', regret: 3 }, { policy: 'random', regret: 5 }] },
      mark: 'bar',
      encoding: { x: { field: 'policy', type: 'nominal' }, y: { field: 'regret', type: 'quantitative' } },
    };
    const r = await renderChart(spec, 1, 't');
    expect(r.svg).toContain('lin\ufffd[2Jucb');
    expect(r.svg.includes('\u001b')).toBe(false);
    expect(Buffer.from(r.png).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('escHtml turns the controls HTML forbids into U+FFFD and keeps tabs and line breaks', () => {
    expect(escHtml('a\u001b[2J<b>\t\n\r\u007f')).toBe('a\ufffd[2J&lt;b&gt;\t\n\r\ufffd');
  });
});
