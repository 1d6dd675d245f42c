/**
 * Charts whose labels, tasks or policies are Object member names: Vega's expression parser took a string such as
 * "constructor" for a variable, so a sort list or colour order holding one stopped the chart.
 */
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { renderChart, safeLiterals } from '../../src/report/render.js';

const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

describe('chart labels named after Object members', () => {
  it('a chart sorted and coloured by such labels draws every point in the given order', async () => {
    const order = [...NAMES].reverse();
    const spec = {
      width: 200,
      height: 100,
      data: { values: NAMES.map((label, i) => ({ label, v: i + 1 })) },
      mark: { type: 'point', filled: true },
      encoding: {
        x: { field: 'label', type: 'nominal', sort: order },
        y: { field: 'v', type: 'quantitative' },
        color: { field: 'label', type: 'nominal', scale: { domain: order, range: ['#111111', '#222222', '#333333', '#444444', '#555555'] } },
      },
    } as unknown as TopLevelSpec;
    const { svg } = await renderChart(spec);
    expect(svg).toContain(`discrete scale with 5 values: ${order.join(', ')}`);
    // one point per label, each of its own colour
    for (const [i, label] of NAMES.entries()) expect(svg).toMatch(new RegExp(`aria-label="label: ${label}; v: ${i + 1}"[^>]*fill="#${String(order.indexOf(label) + 1).repeat(6)}"`));
  });

  it('only string literals naming an Object member are rewritten, and only in expressions', () => {
    const spec = { data: [{ name: 'a', values: [{ x: 'constructor' }], transform: [{ type: 'formula', expr: `datum.x === "constructor" ? 'toString' : "it\\"s"`, as: 'k' }] }], signals: [{ name: 's', value: 'valueOf', update: "'constructor'" }] };
    expect(safeLiterals(spec)).toEqual({
      data: [{ name: 'a', values: [{ x: 'constructor' }], transform: [{ type: 'formula', expr: `datum.x === ("constructo"+"r") ? ('toStrin'+'g') : "it\\"s"`, as: 'k' }] }],
      signals: [{ name: 's', value: 'valueOf', update: "('constructo'+'r')" }],
    });
    const plain = { marks: [{ encode: { update: { text: { signal: 'datum.label + "x"' } } } }] };
    expect(safeLiterals(plain)).toEqual(plain);
  });
});
