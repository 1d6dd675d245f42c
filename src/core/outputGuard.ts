/**
 * What a run's outputs may never replace. Replacing a results directory removes everything in it, so even
 * with --force greenserv refuses the file-system root, the home directory, the current directory and its
 * parents, a directory that holds one of the run's inputs, and a non-empty directory that greenserv did not
 * write. An output file (simulate --log) may never be one of the run's inputs.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { timestamp } from './format.js';

/** A run's inputs as named by the user: files or directories. Built-in names, URIs and absent paths never match. */
export type Inputs = readonly (string | undefined)[];

function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** True when `p` is `dir` or lies below it (absolute paths). */
function isWithin(dir: string, p: string): boolean {
  const r = relative(dir, p);
  return r === '' || (!isAbsolute(r) && r !== '..' && !r.startsWith('../'));
}

/** The absolute paths an existing path is known by: as written, and with its symbolic links resolved. */
function namesOf(p: string): string[] {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return [];
  const abs = resolve(p);
  const real = realOrNull(abs);
  if (real === null) return [];
  return real === abs ? [abs] : [abs, real];
}

/** The first input (as named) that is `dir` itself or lies inside it, or null. */
export function inputInside(dir: string, inputs: Inputs): { input: string; itself: boolean } | null {
  const dirs = namesOf(dir);
  for (const input of inputs) {
    if (input === undefined || input === '') continue;
    const names = namesOf(input);
    if (names.some((p) => dirs.some((d) => isWithin(d, p)))) return { input, itself: names.some((p) => dirs.includes(p)) };
  }
  return null;
}

/**
 * Whether `file` (which need not exist yet) lies inside directory `dir`, as written or through symbolic links
 * of `dir` or of the file's own directory.
 */
export function fileWithin(dir: string, file: string): boolean {
  const d = resolve(dir);
  const f = resolve(file);
  const dirs = [d, realOrNull(d) ?? d];
  const files = [f, join(realOrNull(dirname(f)) ?? dirname(f), basename(f))];
  return dirs.some((x) => files.some((y) => isWithin(x, y)));
}

/** Whether two paths name the same file: the same inode when both exist, else the same absolute path. */
export function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** The first input (as named) that is the file `file`, or null. */
export function inputSameAs(file: string, inputs: Inputs): string | null {
  for (const input of inputs) {
    if (input === undefined || input === '' || namesOf(input).length === 0) continue;
    if (sameFile(file, input)) return input;
  }
  return null;
}

/**
 * Why an existing directory can never be replaced by results (the root, the home directory, the current
 * directory or one of its parents), or null.
 */
export function protectedDirectory(dir: string): string | null {
  const d = realOrNull(dir) ?? resolve(dir);
  if (dirname(d) === d) return 'the file-system root';
  const cwd = realOrNull(process.cwd()) ?? process.cwd();
  if (d === cwd) return 'the current directory';
  if (isWithin(d, cwd)) return 'a parent of the current directory';
  const home = homedir();
  if (home && d === (realOrNull(home) ?? resolve(home))) return 'the home directory';
  return null;
}

/** Largest marker file read; the real ones are a few kilobytes. */
const MAX_MARKER_BYTES = 16 << 20;

function jsonObject(file: string): Record<string, unknown> | null {
  try {
    // lstat: a FIFO or a link is never opened
    const st = lstatSync(file);
    if (!st.isFile() || st.size > MAX_MARKER_BYTES) return null;
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): boolean => typeof v === 'string';

/**
 * What each command writes, told by a file of its own: manifest.json (simulate, evaluate, experiment run,
 * merge), state.json (shard directories and experiment checkpoints), summary.json (ope), profile.json
 * (profile-models), sensitivity.json (energy sensitivity), splits.csv beside split-* results (a series of
 * splits).
 */
const MARKERS: [string, (o: Record<string, unknown>) => boolean][] = [
  ['manifest.json', (o) => str(o.command) && str(o.greenserv)],
  ['state.json', (o) => o.schemaVersion === 1 && ((o.kind === 'evaluate' && str(o.settingsSha256)) || (str(o.experimentFile) && str(o.configSha256)))],
  ['summary.json', (o) => typeof o.schemaVersion === 'number' && (o.kind === 'ope' || o.kind === 'experiment')],
  ['profile.json', (o) => typeof o.schemaVersion === 'number' && typeof o.lambda === 'number' && Array.isArray(o.models) && typeof o.dataset === 'object'],
  ['sensitivity.json', (o) => o.command === 'energy sensitivity' && str(o.greenserv)],
];

/** The file that shows a directory holds results greenserv wrote, or null. */
export function greenservMarker(dir: string, depth = 0): string | null {
  for (const [name, test] of MARKERS) {
    const o = jsonObject(join(dir, name));
    if (o && test(o)) return name;
  }
  if (depth > 0 || !lstatSync(join(dir, 'splits.csv'), { throwIfNoEntry: false })?.isFile()) return null;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const member = names.find((n) => n.startsWith('split-') && greenservMarker(join(dir, n), depth + 1) !== null);
  return member === undefined ? null : 'splits.csv';
}

/**
 * The default results directory `results/<timestamp>-<kind>`, or the first free `-2`, `-3`, … after it: two runs
 * started in one second must not collide on a name the user never chose.
 */
export function defaultResultsDir(kind: string, now = new Date()): string {
  const base = `results/${timestamp(now)}-${kind}`;
  if (!existsSync(base)) return base;
  for (let i = 2; ; i++) if (!existsSync(`${base}-${i}`)) return `${base}-${i}`;
}
