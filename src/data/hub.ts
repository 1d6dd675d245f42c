/**
 * `hf://<owner>/<dataset>[@revision]/<file>` sources: located (size, hash) with @huggingface/hub, downloaded
 * once into the cache (`~/.cache/greenserv`, or `GREENSERV_CACHE`), then read like a local file. `HF_TOKEN`
 * authenticates; it goes into request headers only and is never printed. `HF_ENDPOINT` points at another hub.
 * Every request is bounded in time (data/net.ts), the download is limited to the size the hub declares and
 * checked against the hash it records, and it lands in the cache only by an atomic rename, with a record of
 * its size and sha256 that every later use checks (data/hubRecord.ts). Processes that need one file at the
 * same time download it once: the others wait for the first one's lock (data/hubLock.ts).
 */
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileDownloadInfo, HubApiError, pathsInfo } from '@huggingface/hub';
import cliProgress from 'cli-progress';
import { releaseTemporary, trackTemporary } from '../core/atomic.js';
import { DataError, keepWhole, UsageError } from '../core/errors.js';
import { shellWord } from '../core/escape.js';
import { cacheDamage, commitWithRecord, finishTemporary, recordPath } from './hubRecord.js';
import { acquireDownloadLock, LOCK_PREFIX } from './hubLock.js';
import { envSeconds, NetTimeoutError, redactText, redactUrl, timedFetch, type NetLimits, type NetPhase } from './net.js';

const HF_SCHEME = 'hf://';
const DEFAULT_HUB = 'https://huggingface.co';

interface HfRef {
  /** `owner/dataset`. */
  repo: string;
  revision: string;
  /** Path of the file inside the repository. */
  path: string;
}

export interface HubOptions {
  /** Cache only; never touch the network. */
  offline?: boolean;
  /** Defaults to GREENSERV_CACHE, else ~/.cache/greenserv. */
  cacheDir?: string;
  /** Defaults to HF_ENDPOINT, else https://huggingface.co. */
  hubUrl?: string;
  fetch?: typeof fetch;
  /** Defaults to HF_TOKEN. */
  token?: string;
  /** Show a progress bar (default: when stderr is a terminal). */
  progress?: boolean;
  warn?: (msg: string) => void;
  /** Told once when another process is downloading the same file and this one waits (default: a line on stderr). */
  onWait?: (msg: string) => void;
  /** Network bounds; default from GREENSERV_HUB_CONNECT_TIMEOUT, GREENSERV_HUB_IDLE_TIMEOUT, GREENSERV_HUB_TIMEOUT. */
  limits?: Partial<NetLimits>;
}

const TMP_PREFIX = '.greenserv-tmp-';
/** A download must deliver at least this much in every idle window (60 s by default). */
const HUB_MIN_BYTES_PER_WINDOW = 1024;
const LIMIT_ENV: Record<NetPhase, string> = { connect: 'GREENSERV_HUB_CONNECT_TIMEOUT', idle: 'GREENSERV_HUB_IDLE_TIMEOUT', total: 'GREENSERV_HUB_TIMEOUT' };

function hubLimits(opts: HubOptions = {}): NetLimits {
  return {
    connectMs: opts.limits?.connectMs ?? envSeconds(LIMIT_ENV.connect, 30),
    idleMs: opts.limits?.idleMs ?? envSeconds(LIMIT_ENV.idle, 60),
    minBytes: opts.limits?.minBytes ?? HUB_MIN_BYTES_PER_WINDOW,
    totalMs: opts.limits?.totalMs ?? envSeconds(LIMIT_ENV.total, 3600),
  };
}

function describeTimeout(l: NetLimits, phase: NetPhase): string {
  const s = (ms: number): string => `${ms / 1000} s`;
  if (phase === 'connect') return `no response within ${s(l.connectMs)} (raise ${LIMIT_ENV.connect})`;
  if (phase === 'idle') return `stalled: fewer than ${l.minBytes} bytes in ${s(l.idleMs)} (raise ${LIMIT_ENV.idle})`;
  return `not complete within ${s(l.totalMs)} (raise ${LIMIT_ENV.total})`;
}

/**
 * What the hub's ETag promises about the content: a 64-hex ETag is the file's sha256 (LFS files), a 40-hex one
 * its git blob id (small files). Anything else (weak or opaque tags) cannot be checked.
 */
function etagDigest(etag: string | undefined, size: number, from = 'ETag'): { kind: 'sha256' | 'git-sha1'; hex: string; hash: Hash; from: string } | null {
  const m = /^"?([0-9a-f]{40}|[0-9a-f]{64})"?$/i.exec(etag ?? '');
  if (!m) return null;
  const hex = m[1].toLowerCase();
  if (hex.length === 64) return { kind: 'sha256', hex, hash: createHash('sha256'), from };
  const hash = createHash('sha1');
  hash.update(`blob ${size}\0`);
  return { kind: 'git-sha1', hex, hash, from };
}

type Digest = NonNullable<ReturnType<typeof etagDigest>>;

/**
 * The content hash to check a download against: from the hub's paths-info API (the sha256 of an LFS file, or
 * the git blob id of a small one), else from the ETag. Also refuses a download whose declared size is not the
 * size the API records. Null when nothing can be checked (e.g. xet-only hashes).
 */
async function expectedDigest(
  where: { repo: { type: 'dataset'; name: string }; path: string; revision: string; hubUrl: string; fetch: typeof fetch; accessToken?: string },
  etag: string | undefined,
  size: number,
  uri: string,
): Promise<Digest | null> {
  let info: { oid?: string; size: number; lfs?: { oid: string; size: number } } | undefined;
  try {
    const { path, ...rest } = where;
    [info] = await pathsInfo({ ...rest, paths: [path], expand: false });
  } catch {
    // a hub without the paths API (mirrors, local servers): the ETag is all there is
    return etagDigest(etag, size);
  }
  if (!info) return etagDigest(etag, size);
  const recorded = info.lfs?.size ?? info.size;
  if (Number.isFinite(recorded) && recorded !== size) {
    throw new DataError(`the hub declares ${size} bytes for the download but records ${recorded} for the file; download refused`, uri);
  }
  if (info.lfs) return etagDigest(info.lfs.oid, size, 'paths-info API');
  return etagDigest(info.oid, size, 'paths-info API');
}

/** A live download passes its stall check writing once per two windows, and another process may use longer ones. */
const STALE_TEMP_MIN_MS = 10 * 60_000;

/** Partial downloads left by a killed process: temp files nobody has written to for two idle windows (10 min at least). */
function removeStaleTemps(dir: string, idleMs: number): void {
  if (!existsSync(dir)) return;
  const now = Date.now();
  const staleMs = Math.max(2 * idleMs, STALE_TEMP_MIN_MS);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isFile() || !e.name.startsWith(TMP_PREFIX)) continue;
    const p = join(dir, e.name);
    try {
      if (now - statSync(p).mtimeMs > staleMs) rmSync(p, { force: true });
    } catch {
      // raced with another process: nothing to do
    }
  }
}

export function isHfUri(source: string): boolean {
  return source.startsWith(HF_SCHEME);
}

export function parseHfUri(uri: string): HfRef {
  if (!isHfUri(uri)) throw new UsageError(`not an hf:// URI: ${uri}`);
  let parts = uri.slice(HF_SCHEME.length).split('/').filter((p) => p !== '');
  // Accept the fsspec spelling hf://datasets/<owner>/<name>/<file> too.
  if (parts[0] === 'datasets') parts = parts.slice(1);
  if (parts.length < 3) throw new UsageError(`expected hf://<owner>/<dataset>/<file>, got ${uri}`);
  let [owner, name] = parts;
  let revision = 'main';
  const at = name.indexOf('@');
  if (at >= 0) {
    revision = name.slice(at + 1);
    name = name.slice(0, at);
  }
  // a revision with '/' (refs/pr/1) is written with %2F, as huggingface_hub's file system writes it
  const path = parts.slice(2);
  // each part becomes a directory or file name in the cache: no control characters (NUL), none too long
  const bad = (s: string): boolean => s === '.' || s === '..' || s.includes('\\') || s === '' || /[\x00-\x1f\x7f]/.test(s) || Buffer.byteLength(s) > 255;
  if ([owner, name, revision, ...path].some(bad)) throw new UsageError(`invalid hf:// URI: ${uri}`);
  // the hub's own rule for owner and dataset names; they go into request URLs unencoded
  if (![owner, name].every((s) => REPO_PART.test(s))) throw new UsageError(`invalid hf:// URI: ${uri} (owner and dataset names are letters, digits, '-', '_' and '.')`);
  return { repo: `${owner}/${name}`, revision: revision.replace(/%2F/gi, '/'), path: path.join('/') };
}

const REPO_PART = /^[\w.-]{1,96}$/;

/** A repository path as it goes into a URL: each segment literal, so `%2e%2e`, `?` or `#` never change the request. */
function urlPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** An environment variable's value; set but empty (`GREENSERV_CACHE=`) counts as unset, as in the shell. */
function envValue(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

export function cacheDirectory(opts: { cacheDir?: string } = {}): string {
  // an empty value would otherwise put the cache in ./hf of whatever directory greenserv runs in
  return opts.cacheDir ?? envValue('GREENSERV_CACHE') ?? join(homedir(), '.cache', 'greenserv');
}

/** Where the file of an hf:// URI lives in the cache. */
export function cachedPath(ref: HfRef, opts: { cacheDir?: string } = {}): string {
  // one directory per revision: refs/pr/1 is kept as refs%2Fpr%2F1, the spelling of its URI
  return join(cacheDirectory(opts), 'hf', 'datasets', ...ref.repo.split('/'), ref.revision.replaceAll('/', '%2F'), ...ref.path.split('/'));
}

function hubBase(opts: HubOptions): string {
  return (opts.hubUrl ?? envValue('HF_ENDPOINT') ?? DEFAULT_HUB).replace(/\/+$/, '');
}

/** The hub's address as shown in messages: credentials in HF_ENDPOINT are never printed. */
function shownHub(opts: HubOptions): string {
  return redactUrl(hubBase(opts));
}

function webUrl(ref: HfRef, opts: HubOptions): string {
  return `${shownHub(opts)}/datasets/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${urlPath(ref.path)}`;
}

function placeHint(ref: HfRef, dest: string, opts: HubOptions): string {
  return `download ${webUrl(ref, opts)} and place it at ${dest} (or pass the local file's path instead of the hf:// URI)`;
}

/** Local path of an hf:// source, downloading it into the cache unless it is there already. */
export async function resolveHfSource(uri: string, opts: HubOptions = {}): Promise<string> {
  const ref = parseHfUri(uri);
  const dest = cachedPath(ref, opts);
  const record = recordPath(cacheDirectory(opts), dest);
  // HF_HUB_OFFLINE, as the Hugging Face tools read it, also reaches commands without --offline (experiment, regress)
  const envOffline = /^(1|true|yes|on)$/i.test(process.env.HF_HUB_OFFLINE?.trim() ?? '');
  const offline = opts.offline ? 'without --offline' : envOffline ? 'with HF_HUB_OFFLINE unset' : null;
  if (existsSync(dest) && statSync(dest).isFile()) {
    const damage = await cacheDamage(dest, record);
    if (damage === null) return dest;
    const what = `the cached file ${dest} cannot be used: ${damage}`;
    if (offline !== null) {
      const rm = `rm ${shellWord(dest)} ${shellWord(record)}`;
      throw keepWhole(new DataError(`${what}; delete it and its record (${rm}) and run again ${offline} to download it anew`, uri), dest, rm);
    }
    (opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(`${what}; downloading it again`);
  } else if (offline !== null) {
    // a record whose file is gone vouches for nothing; a file placed by hand is used unchecked
    try {
      rmSync(record, { force: true });
    } catch {
      // not a file (or a read-only cache): it is checked, and refused, when a file is there
    }
    throw new DataError(`offline${opts.offline ? '' : ' (HF_HUB_OFFLINE)'} and not in the cache: ${placeHint(ref, dest, opts)}`, uri);
  }

  const token = (opts.token ?? process.env.HF_TOKEN)?.trim() || undefined;
  // a header cannot carry it, and fetch's complaint would print it
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError('HF_TOKEN holds a space, line break or non-ASCII character, which no token has (its value is not shown); set it to the token alone');
  }
  const limits = hubLimits(opts);
  // a note, not a warning about the data: it must not join a command's warnings in its results
  const note = opts.onWait ?? ((m: string) => process.stderr.write(`greenserv: ${m}\n`));
  const lock = await acquireDownloadLock(dest, limits.totalMs, (pid) =>
    note(`another greenserv process${pid === null ? '' : ` (pid ${pid})`} is downloading ${dest}; waiting for it (at most ${limits.totalMs / 1000} s, ${LIMIT_ENV.total})`),
  );
  try {
    // what the other process downloaded is checked against its record like any cached file
    if (lock.waited && isFile(dest) && (await cacheDamage(dest, record)) === null) return dest;
    return await download(uri, ref, dest, record, opts, limits, token);
  } finally {
    lock.release();
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Download the file of `ref` into the cache at `dest`, with its record; bounded by `limits`. */
async function download(uri: string, ref: HfRef, dest: string, record: string, opts: HubOptions, limits: NetLimits, token: string | undefined): Promise<string> {
  const timed = timedFetch(limits, (phase) => describeTimeout(limits, phase), opts.fetch ?? fetch);
  // the hub client's errors keep no headers: remember the last refusal's Retry-After for the message
  let retryAfter: string | null = null;
  const fetchImpl: typeof fetch = async (input, init) => smallBody(await timed(input, init), (r) => (retryAfter = r));
  const where = { repo: { type: 'dataset' as const, name: ref.repo }, path: ref.path, revision: ref.revision, hubUrl: hubBase(opts), fetch: fetchImpl, ...(token ? { accessToken: token } : {}) };
  const fail = (err: unknown): Error => hubError(err, uri, ref, dest, opts, token, retryAfter);
  let info: Awaited<ReturnType<typeof fileDownloadInfo>>;
  let digest: Digest | null = null;
  try {
    info = await fileDownloadInfo({ ...where, path: urlPath(ref.path) });
    if (info) digest = await expectedDigest(where, info.etag, info.size, uri);
  } catch (err) {
    throw fail(err);
  }
  if (!info) throw new DataError(`no file '${ref.path}' in dataset ${ref.repo} (revision ${ref.revision}) on ${shownHub(opts)}`, uri);

  const tmp = join(dirname(dest), `${TMP_PREFIX}${randomBytes(6).toString('hex')}`);
  const showBar = opts.progress ?? Boolean(process.stderr.isTTY);
  // gracefulExit and the exit hook give the terminal its cursor back when a signal ends the process
  const bar = showBar
    ? new cliProgress.SingleBar(
        { format: `${ref.path} [{bar}] {percentage}% {value}/{total} MB`, stream: process.stderr, hideCursor: true, gracefulExit: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const stopBar = (): void => bar?.stop();
  const mb = (b: number): number => Math.round(b / 1e5) / 10;
  const expected = info.size;
  let done = 0;
  // recorded for later uses, whatever the hub's own hash is
  const sha256 = createHash('sha256');
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      // the declared size bounds what we write: a server that sends more is not serving this file
      if (done > expected) return cb(new DataError(`the hub sent more than the ${expected} bytes it declared; download discarded`, uri));
      digest?.hash.update(chunk);
      sha256.update(chunk);
      bar?.update(mb(done));
      cb(null, chunk);
    },
  });
  try {
    mkdirSync(dirname(dest), { recursive: true });
    removeStaleTemps(dirname(dest), limits.idleMs);
    // a signal mid-download removes the partial file at once (core/atomic.ts)
    trackTemporary(tmp);
    // the disk is not filled to the brim (and other writers starved) by a file that cannot fit
    const { bavail, bsize } = statfsSync(dirname(dest));
    if (expected > bavail * bsize) {
      throw new DataError(`the file is ${expected} bytes; the download cache ${cacheDirectory(opts)} has ${bavail * bsize} bytes free; free some or set GREENSERV_CACHE to a larger disk`, uri);
    }
    const res = await timed(info.url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    if (!res.ok) throw new HubApiError(res.url, smallBody(res, (r) => (retryAfter = r)).status);
    if (!res.body) throw new DataError(`the hub answered the download with HTTP ${res.status} and no content; ${placeHint(ref, dest, opts)}`, uri);
    process.on('exit', stopBar);
    bar?.start(mb(expected), 0);
    // private until renamed: nobody else can change the bytes between their check and the rename
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), counter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    if (done !== expected) throw new DataError(`received ${done} of the ${expected} bytes the hub declared; download discarded`, uri);
    if (digest) {
      const got = digest.hash.digest('hex');
      if (got !== digest.hex) throw new DataError(`the downloaded file's ${digest.kind} is ${got}, the hub's ${digest.from} says ${digest.hex}; download discarded`, uri);
    }
    await finishTemporary(tmp);
    removeStaleTemps(dirname(record), limits.idleMs);
    await commitWithRecord(tmp, dest, record, { source: uri, size: done, sha256: sha256.digest('hex') });
  } catch (err) {
    throw fail(err);
  } finally {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // its directory could not be made: there is no temp file
    }
    releaseTemporary(tmp);
    stopBar();
    process.off('exit', stopBar);
  }
  return dest;
}

/** What greenserv reads besides the file itself (the paths-info answer) is small: more than this is cut off. */
const SMALL_BODY_MAX = 1 << 20;

/**
 * A response whose body is bounded in memory: an error's body is never read (the status says enough, and a
 * hostile one may not end), any other is cut at SMALL_BODY_MAX. Reports an error's Retry-After.
 */
function smallBody(res: Response, onRefusal: (retryAfter: string | null) => void): Response {
  if (!res.body) return res;
  const init = { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) };
  let out: Response;
  if (!res.ok) {
    onRefusal(res.headers.get('retry-after'));
    res.body.cancel().catch(() => {});
    init.headers.delete('content-type');
    out = new Response(null, init);
  } else {
    const reader = res.body.getReader();
    let seen = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        const { done, value } = await reader.read();
        if (done) return ctrl.close();
        const room = SMALL_BODY_MAX - seen;
        seen += value.byteLength;
        ctrl.enqueue(value.byteLength > room ? value.subarray(0, room) : value);
        if (seen >= SMALL_BODY_MAX) {
          ctrl.close();
          await reader.cancel().catch(() => {});
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    out = new Response(body, init);
  }
  Object.defineProperty(out, 'url', { value: res.url });
  return out;
}

/** Errors of the file system under the cache (not of the network, whose errors carry no syscall of these). */
const FS_CALLS = new Set(['open', 'mkdir', 'rename', 'write', 'close', 'unlink', 'scandir', 'stat', 'lstat', 'fsync', 'fchmod', 'statfs']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function tryAgain(retryAfter: string | null): string {
  const v = retryAfter?.trim() ?? '';
  if (/^\d+$/.test(v)) return `try again in ${Number(v)} s`;
  const t = Date.parse(v);
  return Number.isFinite(t) ? `try again after ${new Date(t).toISOString()}` : 'try again later';
}

function hubError(err: unknown, uri: string, ref: HfRef, dest: string, opts: HubOptions, token: string | undefined, retryAfter: string | null): Error {
  if (err instanceof DataError || err instanceof UsageError) return err;
  const syscall = (err as NodeJS.ErrnoException | null)?.syscall;
  if (syscall !== undefined && FS_CALLS.has(syscall)) {
    return new DataError(`cannot write the download cache ${cacheDirectory(opts)} (${(err as Error).message}); set GREENSERV_CACHE to a writable directory with room for the file`, uri);
  }
  if (err instanceof HubApiError) {
    if (err.statusCode === 401 || err.statusCode === 403) {
      const how = token ? 'the token in HF_TOKEN was not accepted for it (a gated dataset also needs its conditions accepted on its page)' : 'set HF_TOKEN to a token that can read it';
      return new DataError(`access to dataset ${ref.repo} denied (HTTP ${err.statusCode}): ${how}; or ${placeHint(ref, dest, opts)}`, uri);
    }
    if (err.statusCode === 404) return new DataError(`dataset ${ref.repo} or file '${ref.path}' not found on ${shownHub(opts)} (HTTP 404)`, uri);
    if (err.statusCode === 429) return new DataError(`the hub is limiting requests (HTTP 429); ${tryAgain(retryAfter)}; or ${placeHint(ref, dest, opts)}`, uri);
    if (err.statusCode >= 500) return new DataError(`the hub failed (HTTP ${err.statusCode}); ${tryAgain(retryAfter)}; or ${placeHint(ref, dest, opts)}`, uri);
    return new DataError(`the hub answered HTTP ${err.statusCode}; ${placeHint(ref, dest, opts)}`, uri);
  }
  if (err instanceof NetTimeoutError) return new DataError(`download from ${shownHub(opts)} timed out: ${err.message}; ${placeHint(ref, dest, opts)}`, uri);
  // fetch says only 'fetch failed'; the reason (refused, redirect loop, reset) is its cause
  const msg = (err as Error)?.message ?? String(err);
  const cause = (err as { cause?: { message?: string; code?: string } } | null)?.cause;
  const raw = redactText(cause?.message && cause.message !== msg ? `${msg}: ${cause.message}` : msg);
  const detail = token ? raw.split(token).join('***') : raw;
  const what = cause?.code !== undefined && UNREACHABLE.has(cause.code) ? `cannot reach ${shownHub(opts)}` : `download from ${shownHub(opts)} failed`;
  return new DataError(`${what} (${detail}); ${placeHint(ref, dest, opts)}`, uri);
}

interface CachedFile {
  uri: string;
  path: string;
  bytes: number;
}

/** Files in the hf cache, as hf:// URIs. */
export function listCachedFiles(opts: { cacheDir?: string } = {}): CachedFile[] {
  const root = join(cacheDirectory(opts), 'hf', 'datasets');
  if (!existsSync(root)) return [];
  const out: CachedFile[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !e.name.startsWith(TMP_PREFIX) && !e.name.startsWith(LOCK_PREFIX)) {
        const [owner, name, revision, ...rest] = relative(root, p).split(sep);
        if (rest.length === 0) continue;
        const rev = revision === 'main' ? '' : `@${revision}`;
        out.push({ uri: `${HF_SCHEME}${owner}/${name}${rev}/${rest.join('/')}`, path: p, bytes: statSync(p).size });
      }
    }
  };
  walk(root);
  return out.sort((a, b) => a.uri.localeCompare(b.uri));
}
