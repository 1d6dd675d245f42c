import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimentJsonSchema, parseExperiment } from '../../src/sim/experimentConfig.js';

const DOC = resolve(__dirname, '../../docs/experiments.md');
const doc = readFileSync(DOC, 'utf8');

type Node = { properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; oneOf?: Node[]; $ref?: string };

/** Every field path of the schema: `pool.events[].step` for a field of the objects in an array. */
function fieldPaths(schema: Node & { $defs?: Record<string, Node> }): string[] {
  const out: string[] = [];
  const walk = (n: Node, prefix: string): void => {
    if (n.$ref) {
      const name = n.$ref.replace(/^#\/\$defs\//, '');
      walk(schema.$defs![name], prefix);
      return;
    }
    for (const alt of [...(n.anyOf ?? []), ...(n.oneOf ?? [])]) walk(alt, prefix);
    if (n.items) walk(n.items, `${prefix}[]`);
    for (const [k, child] of Object.entries(n.properties ?? {})) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.push(path);
      walk(child, path);
    }
  };
  walk(schema, '');
  return [...new Set(out)];
}

/** First-column field names of the doc's tables under "## Fields". */
function documentedFields(): string[] {
  const section = doc.slice(doc.indexOf('## Fields'), doc.indexOf('## Running'));
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
}

describe('docs/experiments.md', () => {
  const paths = fieldPaths(experimentJsonSchema() as Node);

  it('documents every field of the experiment schema', () => {
    expect(paths).toContain('pool.events[].step');
    expect(paths).toContain('expected.values[].energyWh');
    expect(paths.length).toBeGreaterThanOrEqual(35);
    const documented = new Set(documentedFields());
    expect(paths.filter((p) => !documented.has(p))).toEqual([]);
  });

  it('documents no field the schema does not have', () => {
    expect(documentedFields().filter((p) => !paths.includes(p))).toEqual([]);
  });

  it('its example is a valid experiment that uses the documented options', () => {
    const m = /## Example\n\n```yaml\n([\s\S]*?)```/.exec(doc);
    expect(m).not.toBeNull();
    const cfg = parseExperiment(m![1], join(DOC, 'example.yaml'));
    expect(cfg.name).toBe('size-vs-context');
    expect(cfg.arms.map((a) => a.label ?? a.policy)).toEqual(['linucb', 'linucb-bias-only', 'linucb-alpha-0.3', 'best-static', 'random']);
    expect(cfg.arms[1].features).toEqual([]);
    expect(cfg.pool?.events).toEqual([{ step: 500, add: ['gemma-3-27b'] }, { step: 1500, remove: ['qwen2.5-0.5b'] }]);
    expect(cfg.expected?.values[0]).toEqual({ lambda: 0.5, label: 'linucb', finalRegret: 420.0, accuracy: 0.62 });
  });
});
