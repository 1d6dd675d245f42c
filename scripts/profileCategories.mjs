/**
 * Where a V8 CPU profile's self time goes, by category: the pure part of scripts/profile-decisions.mjs (tested in
 * test/scripts/profileCategories.test.ts).
 *
 * A profile (node:inspector's Profiler.stop, or a .cpuprofile file) is a call tree whose nodes carry a call frame
 * (function name, script url, 0-based line and column) and a hitCount: the samples in which that node was the
 * innermost frame, i.e. its self time. Each node is classified by the source file of its url (the path under
 * dist/, e.g. src/policies/linear.js) and its function name, first matching rule wins (RULES below); a node no
 * rule knows goes to other.unknown and is listed in `unclassified`, so no sample is ever dropped and the shares
 * always sum to 100 %.
 *
 * With V8's inlining on, an inlined function's samples count for the function it was inlined into (a policy's
 * select inlined into the engine loop counts as the engine loop). With `splitLines` (only sound with inlining
 * off, where every sample's line is the function's own), the lines of a few functions are told apart by their
 * source text: in the score cache's refresh pass the refill arithmetic from the stale checks and stamps, and in
 * the engine loop (and the policy-only loop) the reads of the reward, presence and oracle tables from the rest of
 * the loop.
 */

export const SCHEMA_VERSION = 1;

/** Top-level categories, in report order. */
export const CATEGORIES = [
  { id: 'policy', label: 'policy maths: selection scores and argmax, update, linalg, WebAssembly kernels' },
  { id: 'cache', label: 'score cache: PatternCache refresh pass (refills, stale checks, version stamps)' },
  { id: 'engine', label: 'engine loop: replay, policyRun, plainRun, scenario hooks' },
  { id: 'recorders', label: 'recorders: MetricsRecorder step/end/sums, step and log recorders' },
  { id: 'reward', label: 'reward and oracle lookups (functions; table reads inside the loop only with splitLines)' },
  { id: 'rng', label: 'random generator (uniforms, normal deviates, shuffles)' },
  { id: 'feasibility', label: 'feasibility and action set (ActionSet, ArmSet)' },
  { id: 'harness', label: 'the policy-only loop (throughput.js) and the profiling script' },
  { id: 'gc', label: 'garbage collector' },
  { id: 'other', label: 'other: V8 (program), idle, node internals, set-up, unknown' },
];

const CATEGORY_IDS = new Set(CATEGORIES.map((c) => c.id));

/**
 * Rules: `path` (exact string or RegExp on the source path), `fn` (exact string or RegExp on the function name),
 * `sub` (the detail category, '<category>.<what>'), `split` (optional: classify the node's own lines by text).
 */
export const RULES = [
  // V8's pseudo-frames
  { fn: '(garbage collector)', sub: 'gc.collector' },
  { fn: '(program)', sub: 'other.program' },
  { fn: '(idle)', sub: 'other.idle' },
  { fn: '(root)', sub: 'other.root' },
  // WebAssembly kernels (src/policies/denseKernel.ts, dotKernel.ts) and V8's wrappers into them
  { path: 'wasm', sub: 'policy.kernel' },
  { fn: /^(js-to-wasm|wasm-to-js)/, sub: 'policy.kernel' },
  { path: /^src\/policies\/(denseKernel|dotKernel|wasm)\.js$/, sub: 'policy.kernel' },
  { path: 'src/policies/linalg.js', sub: 'policy.linalg' },
  // the score cache (PatternCache) and the ridge state (RidgeArms, LinearPolicy) share src/policies/linear.ts
  { path: 'src/policies/linear.js', fn: /^(freshen|fill)$/, sub: 'cache.refresh', split: 'cache' },
  { path: 'src/policies/linear.js', fn: /^(slot|rowOf|PatternCache)$/, sub: 'cache.bookkeeping' },
  { path: 'src/policies/linear.js', fn: /^(allDense|RidgeArms|LinearPolicy|reset|state|dispose|addArm|removeArm|<instance_members_initializer>)$/, sub: 'policy.setup' },
  { path: 'src/policies/linear.js', sub: 'policy.update' },
  { path: 'src/features/context.js', fn: 'patternRows', sub: 'cache.setup' },
  { path: 'src/policies/argmax.js', fn: /^(offer|reset|result)$/, sub: 'policy.argmax' },
  { path: 'src/policies/policy.js', fn: /^(ArmSet|add|remove|has)$/, sub: 'feasibility.armSet' },
  { path: /^src\/policies\/[^/]+\.js$/, fn: /^(select|propensity)$/, sub: 'policy.select' },
  { path: /^src\/policies\/[^/]+\.js$/, fn: 'update', sub: 'policy.update' },
  { path: /^src\/policies\/[^/]+\.js$/, fn: /^(create|[A-Z][A-Za-z]*|<instance_members_initializer>)$/, sub: 'policy.setup' },
  { path: /^src\/policies\/[^/]+\.js$/, sub: 'policy.other' },
  { path: 'src/core/rng.js', fn: 'normal', sub: 'rng.normal' },
  { path: 'src/core/rng.js', fn: /^(nextU32|next|int|rotl)$/, sub: 'rng.uniform' },
  { path: 'src/core/rng.js', fn: 'shuffle', sub: 'rng.shuffle' },
  { path: 'src/core/rng.js', sub: 'rng.setup' },
  { path: 'src/sim/recorders.js', fn: /^(step|begin)$/, sub: 'recorders.step' },
  { path: 'src/sim/recorders.js', fn: /^(end|sumCells|sumPacked|last)$/, sub: 'recorders.sums' },
  { path: 'src/sim/recorders.js', sub: 'recorders.setup' },
  { path: /^src\/sim\/(stepRecorders|logRecorder)\.js$/, sub: 'recorders.other' },
  { path: 'src/sim/engine.js', fn: /^(segmentOracle|rewardAt|hindsightData|modelStats)$/, sub: 'reward.oracle' },
  { path: 'src/sim/engine.js', fn: 'latencyFeasibility', sub: 'feasibility.mask' },
  { path: 'src/sim/engine.js', fn: /^(policyRun|plainRun)$/, sub: 'engine.loop', split: 'engine' },
  { path: 'src/sim/engine.js', sub: 'engine.replay' },
  { path: 'src/core/semantics.js', sub: 'engine.replay' },
  { path: 'src/sim/actions.js', fn: 'bestReward', sub: 'reward.oracle' },
  { path: 'src/sim/actions.js', sub: 'feasibility.actionSet' },
  { path: /^src\/sim\/(reward|rewardExpression)\.js$/, sub: 'reward.table' },
  { path: /^src\/sim\/(drift|feedback|scenario|budget)\.js$/, sub: 'engine.scenario' },
  { path: 'src/sim/throughput.js', fn: 'step', sub: 'harness.loop', split: 'harness' },
  { path: 'src/sim/throughput.js', sub: 'harness.loop' },
  { path: 'src/sim/workloads.js', sub: 'harness.setup' },
  { path: /^scripts\//, sub: 'harness.script' },
  { path: /^node:/, sub: 'other.node' },
];

/**
 * Line splits (RULES' `split`): a line of the function's own source matching `match` goes to `sub`, the others
 * stay with the rule's sub.
 */
export const LINE_SPLITS = {
  // the refill arithmetic of a stale slot (θᵀx, the triangle form, the square root, the stores of the results,
  // the context's operands) against the loop over the arms, the stale checks and the stamps
  cache: { match: /Ainv\[|theta\[|\bquad\b|\bmean\b|Math\.sqrt|variance\[|\bsd\[|kernel\.|denseQuadUpper|\bao\b|\bto\b|\bt\s*\+?=|\b[iv][0-3]\s*=/, sub: 'cache.refill', rest: 'cache.stamps' },
  // the engine's reads of the reward, presence and oracle tables (random reads in the shuffled order)
  engine: { match: /\b(rewards|present|oracle|fullOracle)\[|bestReward\(|drift\.(reward|oracle)\(/, sub: 'reward.lookup', rest: 'engine.loop' },
  // the policy-only loop's read of the reward table
  harness: { match: /\brewards\[/, sub: 'reward.lookup', rest: 'harness.loop' },
};

/** The source path of a script url: the part under dist/ (src/…, bench/…), scripts/…, 'wasm', a node: url, or ''. */
export function sourcePath(url) {
  if (!url) return '';
  if (url.startsWith('wasm://')) return 'wasm';
  if (url.startsWith('node:')) return url;
  const u = url.replace(/^file:\/\//, '').replace(/\\/g, '/');
  const d = u.lastIndexOf('/dist/');
  if (d >= 0) return u.slice(d + '/dist/'.length);
  const s = u.lastIndexOf('/scripts/');
  if (s >= 0) return u.slice(s + 1);
  return u;
}

const matches = (pat, s) => pat === undefined || (typeof pat === 'string' ? pat === s : pat.test(s));

/** The rule for a call frame ({ functionName, url }), or null when none matches. */
export function ruleFor(frame) {
  const path = sourcePath(frame.url);
  const fn = frame.functionName ?? '';
  for (const r of RULES) if (matches(r.path, path) && matches(r.fn, fn)) return r;
  return null;
}

/** { category, sub } of a call frame; a frame no rule knows is other.unknown (other.native without a url). */
export function classifyFrame(frame) {
  const r = ruleFor(frame);
  const sub = r ? r.sub : frame.url ? 'other.unknown' : 'other.native';
  return { category: categoryOf(sub), sub };
}

/** The top-level category of a detail category ('policy.update' → 'policy'); unknown prefixes are 'other'. */
export function categoryOf(sub) {
  const c = sub.split('.')[0];
  return CATEGORY_IDS.has(c) ? c : 'other';
}

/**
 * The last line (1-based) of the function starting at 0-based line `line0`, column `col0`, by matching braces
 * (strings, template literals and comments skipped; good enough for compiled TypeScript); null if not found.
 */
export function functionEnd(lines, line0, col0 = 0) {
  let depth = 0;
  let opened = false;
  let quote = null;
  let block = false;
  for (let l = line0; l < lines.length; l++) {
    const s = lines[l];
    for (let c = l === line0 ? col0 : 0; c < s.length; c++) {
      const ch = s[c];
      if (block) {
        if (ch === '*' && s[c + 1] === '/') {
          block = false;
          c++;
        }
        continue;
      }
      if (quote !== null) {
        if (ch === '\\') c++;
        else if (ch === quote) quote = null;
        continue;
      }
      if (ch === '/' && s[c + 1] === '/') break;
      if (ch === '/' && s[c + 1] === '*') {
        block = true;
        c++;
      } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
      else if (ch === '{') {
        depth++;
        opened = true;
      } else if (ch === '}') {
        depth--;
        if (opened && depth === 0) return l + 1;
      }
    }
    // an unterminated ' or " ends with the line; template literals may span lines
    if (quote === '"' || quote === "'") quote = null;
  }
  return null;
}

/**
 * Detail categories of one node's samples: [[sub, samples], …]. A node of a split rule with positionTicks and its
 * source available (and `splitLines`) is split by its lines: ticks on its own lines by their text, ticks on other
 * lines (inlined code) with the rule's sub; shares are scaled to the node's hitCount.
 */
function nodeParts(node, rule, sub, o) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) return [];
  const split = rule?.split ? LINE_SPLITS[rule.split] : undefined;
  const ticks = node.positionTicks;
  const lines = split && o.splitLines && ticks && ticks.length > 0 && o.sourceOf ? o.sourceOf(node.callFrame.url) : undefined;
  if (!split || !lines) return [[sub, hits]];
  const first = node.callFrame.lineNumber + 1;
  const last = functionEnd(lines, node.callFrame.lineNumber, Math.max(0, node.callFrame.columnNumber ?? 0)) ?? lines.length;
  let total = 0;
  for (const t of ticks) total += t.ticks;
  if (total === 0) return [[sub, hits]];
  const acc = new Map();
  for (const t of ticks) {
    const own = t.line >= first && t.line <= last;
    const s = own ? (split.match.test(lines[t.line - 1] ?? '') ? split.sub : split.rest) : sub;
    acc.set(s, (acc.get(s) ?? 0) + (hits * t.ticks) / total);
  }
  return [...acc];
}

/**
 * Percentages of `values` (≥ 0) rounded to `decimals` places by largest remainder, so the rounded values sum to
 * exactly 100 (all zeros when the total is 0).
 */
export function roundShares(values, decimals = 1) {
  const scale = 10 ** decimals;
  const total = values.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return values.map(() => 0);
  const exact = values.map((v) => (v / total) * 100 * scale);
  const floor = exact.map(Math.floor);
  let left = 100 * scale - floor.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - floor[i], i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0 && k < order.length; k++, left--) floor[order[k][1]]++;
  return floor.map((f) => f / scale);
}

/**
 * Shares of self time of a profile ({ nodes: [{ id, callFrame, hitCount, positionTicks? }] }): per category
 * (`shares`, in CATEGORIES order, summing to 100), per detail category (`detail`, summing to 100), the `top`
 * functions by self time, and the frames that fell to other.unknown (`unclassified`). Options: top (15),
 * splitLines (false), sourceOf(url) → the script's lines or undefined.
 */
export function summarizeProfile(profile, opts = {}) {
  const o = { top: 15, splitLines: false, ...opts };
  const bySub = new Map();
  const byFn = new Map();
  let samples = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    samples += hits;
    if (hits === 0) continue;
    const f = node.callFrame;
    const rule = ruleFor(f);
    const { sub } = classifyFrame(f);
    for (const [s, v] of nodeParts(node, rule, sub, o)) bySub.set(s, (bySub.get(s) ?? 0) + v);
    const path = sourcePath(f.url);
    const key = `${f.functionName}\u0000${path}\u0000${f.lineNumber}`;
    const e = byFn.get(key) ?? { function: f.functionName || '(anonymous)', file: path, line: f.lineNumber + 1, sub, samples: 0 };
    e.samples += hits;
    byFn.set(key, e);
  }
  const catTotals = CATEGORIES.map((c) => [...bySub].filter(([s]) => categoryOf(s) === c.id).reduce((a, [, v]) => a + v, 0));
  const catPct = roundShares(catTotals);
  const shares = Object.fromEntries(CATEGORIES.map((c, i) => [c.id, catPct[i]]));
  const subs = [...bySub].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const subPct = roundShares(subs.map(([, v]) => v));
  const detail = Object.fromEntries(subs.map(([s], i) => [s, subPct[i]]));
  const fns = [...byFn.values()].sort((a, b) => b.samples - a.samples);
  const pct = (v) => (samples > 0 ? +((100 * v) / samples).toFixed(2) : 0);
  const top = fns.slice(0, o.top).map((e) => ({ function: e.function, file: e.file, line: e.line, category: categoryOf(e.sub), sub: e.sub, selfPct: pct(e.samples) }));
  const unclassified = fns.filter((e) => e.sub === 'other.unknown').map((e) => ({ function: e.function, file: e.file, line: e.line, selfPct: pct(e.samples) }));
  return { samples, shares, detail, top, unclassified };
}
