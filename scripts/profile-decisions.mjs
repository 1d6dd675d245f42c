#!/usr/bin/env node
/**
 * Where a decision's time goes: one policy on one bench workload under V8's sampling profiler, self time by
 * category (README, performance: "Where a decision's time goes").
 *
 *   npx tsc -p . && node scripts/profile-decisions.mjs --workload tasks10|onehot \
 *       --policy linucb|thompson|linear-epsilon-greedy|epsilon-greedy --mode engine|policy|fresh \
 *       [--seconds 3] [--warmup 1] [--time 1] [--inline on|off] [--interval 250] [--top 15] \
 *       [--out profile.cpuprofile]
 *
 * Workloads (src/sim/workloads.ts, the `policies` section of `npm run bench`):
 *   tasks10  7 models × 10 tasks, 20,000 queries, reference layout d = 16, rewards at λ = 0.5 (taskTableWorkload)
 *   onehot   16 models, 4,096 queries, the paper's one-hot d = 12 (four non-zeros), uniform rewards
 *            (oneHotWorkload; for the engine a pool table is built around the same contexts whose reward at λ = 0
 *            is exactly those rewards)
 * Modes (src/sim/throughput.ts):
 *   engine   the full engine (engineStepper): `simulate` in process, 5 runs of the table per call, shuffled
 *            orders, pool oracle, metrics recorder on, step trace off
 *   policy   the bench's policy-only loop (decisionStepper): one policy, select + update per query, every
 *            model allowed; tasks10 in the bench's shuffled order (seed 5), onehot in index order
 *   fresh    the policy-only loop as the engine runs it (freshRunStepper): a fresh policy per run of the table
 *
 * It warms up for --warmup seconds, times decisions per second without the profiler over slices of 200 ms of
 * process CPU time (--time seconds), then profiles --seconds of decisions (node:inspector's Profiler, sampling
 * every --interval µs; no external dependency) and prints JSON (schemaVersion 1) on stdout: the share of self
 * time per category and detail category (scripts/profileCategories.mjs: what each holds, and which frames
 * fell to "other"), the top functions, and the decision rates. --out writes the profile as a .cpuprofile file
 * (Chrome DevTools → Performance → Load profile, or https://www.speedscope.app, shows it as a flame graph).
 *
 * --inline off runs V8 without inlining and without on-stack replacement (--no-turbo-inlining --no-use-osr, set
 * before anything is compiled), so every function keeps its own samples: with inlining a select inlined into the
 * engine loop counts as the loop, and with on-stack replacement the optimised loop of plainRun (sumPacked) counts
 * as its caller policyRun (sumCells), all of its samples on the line of the call. It also slows small functions
 * (the random generator's most), so the shares move. Only with it are the lines of the score cache's refresh
 * pass and of the engine loop split (refill arithmetic against stale checks and stamps; reward, presence and
 * oracle reads against the rest of the loop).
 *
 * Exit status: 0, 1 on an error (dist/ not built), 2 on a bad option.
 */
import { Session } from 'node:inspector/promises';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { CATEGORIES, SCHEMA_VERSION, summarizeProfile } from './profileCategories.mjs';

const WORKLOADS = ['tasks10', 'onehot'];
const POLICIES = ['linucb', 'thompson', 'linear-epsilon-greedy', 'epsilon-greedy'];
const MODES = ['engine', 'policy', 'fresh'];

function usage(msg) {
  process.stderr.write(`profile-decisions: ${msg}\nusage: node scripts/profile-decisions.mjs --workload ${WORKLOADS.join('|')} --policy ${POLICIES.join('|')} --mode ${MODES.join('|')} [--seconds 3] [--warmup 1] [--time 1] [--inline on|off] [--interval 250] [--top 15] [--out profile.cpuprofile]\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      workload: { type: 'string' },
      policy: { type: 'string' },
      mode: { type: 'string' },
      seconds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      time: { type: 'string', default: '1' },
      inline: { type: 'string', default: 'on' },
      interval: { type: 'string', default: '250' },
      top: { type: 'string', default: '15' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (e) {
  usage(e.message);
}
if (args.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
  process.exit(0);
}
const oneOf = (name, v, allowed) => {
  if (v === undefined) usage(`--${name} is required (${allowed.join(', ')})`);
  if (!allowed.includes(v)) usage(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v;
};
const positive = (name, v, integer = false) => {
  const x = Number(v);
  if (!(Number.isFinite(x) && x > 0) || (integer && !Number.isInteger(x))) usage(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
  return x;
};
const workloadName = oneOf('workload', args.workload, WORKLOADS);
const policyName = oneOf('policy', args.policy, POLICIES);
const mode = oneOf('mode', args.mode, MODES);
const inline = oneOf('inline', args.inline, ['on', 'off']);
const seconds = positive('seconds', args.seconds);
const warmupS = positive('warmup', args.warmup);
const timeS = positive('time', args.time);
const intervalUs = positive('interval', args.interval, true);
const topN = positive('top', args.top, true);

// before any of greenserv's code is compiled
if (inline === 'off') {
  v8.setFlagsFromString('--no-turbo-inlining');
  v8.setFlagsFromString('--no-use-osr');
}

const dist = new URL('../dist/src/', import.meta.url);
if (!existsSync(new URL('sim/throughput.js', dist))) {
  process.stderr.write('profile-decisions: dist/ is not built; run `npx tsc -p .` first\n');
  process.exit(1);
}
const load = (p) => import(new URL(p, dist).href);
const { decisionStepper, engineStepper, freshRunStepper } = await load('sim/throughput.js');
const { oneHotWorkload, taskTableWorkload } = await load('sim/workloads.js');
const { makePoolTable } = await load('data/pool.js');
const { buildRewards } = await load('sim/reward.js');
const { Rng } = await load('core/rng.js');

/** Runs of the table per engine call (engineStepper's default, as the bench). */
const ENGINE_RUNS = 5;

/**
 * A pool table around the one-hot workload's contexts for the engine: its accuracy is the workload's reward, so
 * the reward at λ = 0 is exactly the policy-only loop's reward table; tasks and clusters follow the contexts.
 */
async function oneHotTable(w) {
  const Q = w.contexts.nQueries;
  const M = w.nModels;
  const { ptr, idx } = w.contexts;
  const rng = new Rng(11);
  const models = Array.from({ length: M }, (_, m) => ({ id: `m${m}`, name: `m${m}`, paramsB: m + 1 }));
  const n = Q * M;
  const table = makePoolTable({
    name: 'onehot-d12',
    queryIds: Array.from({ length: Q }, (_, q) => `q${q}`),
    queryTasks: Array.from({ length: Q }, (_, q) => `task${idx[ptr[q] + 1] - 1}`),
    cluster: Int32Array.from({ length: Q }, (_, q) => idx[ptr[q] + 2] - 6),
    complexity: Float64Array.from({ length: Q }, (_, q) => 20 * (idx[ptr[q] + 3] - 9) + 10),
    models,
    accuracy: Float64Array.from(w.rewards),
    energyJ: Float64Array.from({ length: n }, (_, i) => ((i % M) + 1) * (20 + 10 * rng.next())),
    inputTokens: new Float64Array(n).fill(100),
    outputTokens: Float64Array.from({ length: n }, () => 20 + rng.int(200)),
    latencyS: Float64Array.from({ length: n }, (_, i) => 0.2 * ((i % M) + 1)),
  });
  const rw = await buildRewards(table, { lambda: 0 });
  for (let i = 0; i < n; i++) if (rw.rewards[i] !== w.rewards[i]) throw new Error(`one-hot table: reward ${i} differs from the workload's`);
  return { table, rw };
}

const w = workloadName === 'tasks10' ? await taskTableWorkload() : oneHotWorkload();
const Q = w.contexts.nQueries;
let step;
/** Decisions made by one call of step, and that call's argument. */
let perCall;
let arg;
if (mode === 'policy') {
  // the bench's order: the table shuffled as the engine replays it, the one-hot workload in index order
  let order;
  if (workloadName === 'tasks10') {
    order = Int32Array.from({ length: Q }, (_, q) => q);
    new Rng(5).shuffle(order);
  }
  step = decisionStepper(policyName, w.contexts, w.rewards, w.nModels, 50_000, order);
  arg = perCall = 20_000;
} else {
  const { table, rw } = workloadName === 'tasks10' ? w : await oneHotTable(w);
  if (mode === 'engine') {
    step = engineStepper(policyName, table, w.contexts, rw, ENGINE_RUNS);
    perCall = ENGINE_RUNS * Q;
    arg = perCall;
  } else {
    step = freshRunStepper(policyName, table, w.contexts, w.rewards);
    arg = perCall = Q;
  }
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Calls step until `ms` of process CPU time have passed; decisions and the CPU and wall ms taken. */
function runFor(ms) {
  const c0 = cpuMs();
  const w0 = performance.now();
  let n = 0;
  let c = c0;
  while (c - c0 < ms) {
    step(arg);
    n += perCall;
    c = cpuMs();
  }
  return { decisions: n, cpuMs: c - c0, wallMs: performance.now() - w0 };
}

runFor(warmupS * 1000);
const SLICE_MS = 200;
const slices = [];
for (let i = 0; i < Math.max(1, Math.round((timeS * 1000) / SLICE_MS)); i++) {
  const r = runFor(SLICE_MS);
  slices.push(r.decisions / (r.cpuMs / 1000));
}
const sorted = [...slices].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
await session.post('Profiler.start');
const prof = runFor(seconds * 1000);
const { profile } = await session.post('Profiler.stop');
await session.post('Profiler.disable');
session.disconnect();
if (args.out) writeFileSync(args.out, JSON.stringify(profile));

const sources = new Map();
const sourceOf = (url) => {
  if (!url.startsWith('file://')) return undefined;
  if (!sources.has(url)) {
    let lines;
    try {
      lines = readFileSync(new URL(url), 'utf8').split('\n');
    } catch {
      lines = undefined;
    }
    sources.set(url, lines);
  }
  return sources.get(url);
};
const summary = summarizeProfile(profile, { top: topN, splitLines: inline === 'off', sourceOf });

const round = (x) => Math.round(x);
const out = {
  schemaVersion: SCHEMA_VERSION,
  tool: 'scripts/profile-decisions.mjs',
  date: new Date().toISOString(),
  machine: { node: process.version, v8: process.versions.v8, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(2)) },
  options: { workload: workloadName, policy: policyName, mode, seconds, warmup: warmupS, time: timeS, inline, intervalUs, out: args.out ?? null },
  workload: { name: w.name, description: w.description, models: w.nModels, d: w.contexts.d, queries: Q, enginePerCall: mode === 'engine' ? `${ENGINE_RUNS} runs × ${Q} queries` : null },
  decisionsPerSecond: {
    // process CPU time, so a descheduled moment of a busy machine does not count
    unprofiled: { median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]), slices: slices.length, sliceMs: SLICE_MS },
    profiled: round(prof.decisions / (prof.cpuMs / 1000)),
    profiledWall: round(prof.decisions / (prof.wallMs / 1000)),
  },
  profile: { samples: summary.samples, decisions: prof.decisions, cpuMs: round(prof.cpuMs), wallMs: round(prof.wallMs), lineSplits: inline === 'off' },
  categories: Object.fromEntries(CATEGORIES.map((c) => [c.id, c.label])),
  shares: summary.shares,
  detail: summary.detail,
  top: summary.top,
  unclassified: summary.unclassified,
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
