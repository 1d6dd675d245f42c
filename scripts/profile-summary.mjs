#!/usr/bin/env node
/**
 * Ranges over repeated runs of scripts/profile-decisions.mjs: reads their JSON outputs and prints one Markdown
 * table per (workload, mode, inline) with a column per policy: the range (min–max over the runs) of the
 * unprofiled decisions/s medians, of each category's share and of the detail categories that reach `--min` %
 * in some run.
 *
 *   for i in 1 2 3; do for w in tasks10 onehot; do for p in linucb thompson linear-epsilon-greedy epsilon-greedy; do
 *     for m in engine policy; do
 *       node scripts/profile-decisions.mjs --workload $w --policy $p --mode $m > out/$w-$p-$m-$i.json
 *   done; done; done; done
 *   node scripts/profile-summary.mjs out/*.json [--min 1]
 */
import { readFileSync } from 'node:fs';
import { CATEGORIES } from './profileCategories.mjs';

const argv = process.argv.slice(2);
let minDetail = 1;
const files = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--min') minDetail = Number(argv[++i]);
  else files.push(argv[i]);
}
if (files.length === 0 || !Number.isFinite(minDetail)) {
  process.stderr.write('usage: node scripts/profile-summary.mjs <profile-decisions output.json>... [--min 1]\n');
  process.exit(2);
}

const groups = new Map();
for (const f of files) {
  const j = JSON.parse(readFileSync(f, 'utf8'));
  if (j.schemaVersion !== 1) throw new Error(`${f}: schemaVersion ${j.schemaVersion}, expected 1`);
  const o = j.options;
  const key = `${o.workload}, ${o.mode}, inline ${o.inline}`;
  if (!groups.has(key)) groups.set(key, new Map());
  const g = groups.get(key);
  if (!g.has(o.policy)) g.set(o.policy, []);
  g.get(o.policy).push(j);
}

const fmtRate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${Math.round(x / 1e3)} k`);
const range = (xs, f) => {
  const a = f(Math.min(...xs));
  const b = f(Math.max(...xs));
  return a === b ? a : `${a}–${b}`;
};
const pct = (x) => (x > 0 && x < 0.5 ? '<1' : `${Math.round(x)}`);
const ORDER = ['linucb', 'thompson', 'linear-epsilon-greedy', 'epsilon-greedy'];
const rank = (p) => (ORDER.includes(p) ? ORDER.indexOf(p) : ORDER.length);

for (const [key, byPolicy] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
  const cols = [...byPolicy].sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : 1));
  const runs = cols.map(([, r]) => r);
  const row = (name, cell) => `| ${name} | ${runs.map(cell).join(' | ')} |`;
  const lines = [`### ${key}`, '', `| | ${cols.map(([p, r]) => `${p} (${r.length} runs)`).join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`];
  lines.push(row('decisions/s, unprofiled (medians of runs)', (r) => range(r.map((x) => x.decisionsPerSecond.unprofiled.median), fmtRate)));
  lines.push(row('decisions/s under the profiler', (r) => range(r.map((x) => x.decisionsPerSecond.profiled), fmtRate)));
  for (const c of CATEGORIES) lines.push(row(`${c.id} %`, (r) => range(r.map((x) => x.shares[c.id] ?? 0), pct)));
  const all = runs.flat();
  const subs = [...new Set(all.flatMap((r) => Object.keys(r.detail)))].filter((s) => all.some((r) => (r.detail[s] ?? 0) >= minDetail)).sort();
  for (const s of subs) lines.push(row(`${s} %`, (r) => range(r.map((x) => x.detail[s] ?? 0), pct)));
  const unknown = [...new Set(all.flatMap((r) => r.unclassified.map((u) => `${u.function} (${u.file})`)))];
  if (unknown.length > 0) lines.push('', `unclassified (in other): ${unknown.join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
