/**
 * The import graph of src/ follows the layering in the README (Architecture): each layer imports only the
 * layers below it, and no module imports itself back through a cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

/** Higher layers may import lower ones. features and data are siblings; features may read data's types. */
const RANK: Record<string, number> = { cli: 9, app: 8, report: 7, profiling: 6, metrics: 5, sim: 4, policies: 3, features: 2.5, data: 2, core: 0, types: 0 };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const SPEC = /(?:^|[^\w.])(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative imports of each module, as paths of src/ modules (…/x.js → …/x.ts). Type-only imports count too. */
export function importGraph(root: string): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files(root)) {
    const text = readFileSync(f, 'utf8');
    const deps = [...text.matchAll(SPEC)].map((m) => relative(root, normalize(join(dirname(f), m[1]))).replace(/\.js$/, '.ts'));
    g.set(relative(root, f), deps);
  }
  return g;
}

export function layerOf(path: string): string {
  return path.split(/[\\/]/)[0];
}

/** Edges that go up or sideways between layers. */
export function layerViolations(g: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [f, deps] of g) {
    const from = layerOf(f);
    for (const d of deps) {
      const to = layerOf(d);
      if (to === from) continue;
      if (!(from in RANK) || !(to in RANK)) out.push(`${f} → ${d}: layer not in the architecture`);
      else if (RANK[to] >= RANK[from]) out.push(`${f} → ${d}`);
    }
  }
  return out;
}

/** One module cycle per strongly connected set found by depth-first search, or none. */
export function cycles(g: Map<string, string[]>): string[][] {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (n: string): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      if (!g.has(d)) continue;
      if (state.get(d) === 1) found.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of [...g.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

describe('architecture', () => {
  const g = importGraph(SRC);

  it('reads the whole source tree and resolves every relative import to a module', () => {
    expect(g.size).toBeGreaterThan(100);
    const missing = [...g].flatMap(([f, deps]) => deps.filter((d) => !g.has(d) && !d.endsWith('.json')).map((d) => `${f} → ${d}`));
    expect(missing).toEqual([]);
  });

  it('imports flow one way: cli → app → report → profiling → metrics → sim → policies → features → data → core', () => {
    expect(layerViolations(g)).toEqual([]);
  });

  it('core imports nothing of the project', () => {
    const core = [...g].filter(([f]) => layerOf(f) === 'core').flatMap(([f, deps]) => deps.filter((d) => layerOf(d) !== 'core').map((d) => `${f} → ${d}`));
    expect(core).toEqual([]);
  });

  it('no import cycles between modules', () => {
    expect(cycles(g).map((c) => c.join(' → '))).toEqual([]);
  });

  it('the checks catch what they are for (planted edges)', () => {
    const planted = new Map(g);
    planted.set('data/__planted.ts', ['policies/linucb.ts']);
    planted.set('core/__a.ts', ['core/__b.ts']);
    planted.set('core/__b.ts', ['core/__a.ts']);
    expect(layerViolations(planted)).toContain('data/__planted.ts → policies/linucb.ts');
    expect(cycles(planted).some((c) => c.includes('core/__a.ts') && c.includes('core/__b.ts'))).toBe(true);
  });
});
