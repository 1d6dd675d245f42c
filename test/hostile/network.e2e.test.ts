/**
 * Every network call is bounded in time and size, against local servers that never answer, trickle bytes,
 * send too much or send the wrong bytes; credentials in an endpoint URL are never printed or logged.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { cachedPath, resolveHfSource } from '../../src/data/hub.js';
import { EndpointError, OpenAIClient } from '../../src/profiling/openai.js';
import { sideFiles } from '../../src/profiling/live.js';
import { answerFor, writePromptFile } from '../profiling/fixtures.js';
import { runCli, startFakeServer, tempDir, type FakeServer } from '../profiling/helpers.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
const timers: NodeJS.Timeout[] = [];
let fake: FakeServer | null = null;

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  await fake?.close();
  fake = null;
});

async function serve(h: Handler): Promise<string> {
  const s = createServer(h);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const silent: Handler = () => {}; // accepts the request, never answers
/** Headers at once, then one byte every 200 ms, forever. */
const trickle: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{');
  timers.push(setInterval(() => res.write(' '), 200));
};

const REQ = { prompt: 'Question: 2+2?\nAnswer:', maxTokens: 4, stop: [] };

async function endpointError(p: Promise<unknown>): Promise<EndpointError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(EndpointError);
  return e as EndpointError;
}

describe('live profiling client: bounded attempts', () => {
  for (const [what, h] of [
    ['a server that never answers', silent],
    ['a server that trickles a byte every 200 ms', trickle],
  ] as const) {
    it(`${what}: the attempt ends at --timeout`, async () => {
      const url = await serve(h);
      const t0 = Date.now();
      const e = await endpointError(new OpenAIClient({ baseUrl: `${url}/v1`, model: 'm', timeoutMs: 800, retries: 0 }).complete(REQ));
      const ms = Date.now() - t0;
      expect(e).toMatchObject({ kind: 'timeout', fatal: false });
      expect(e.message).toMatch(/did not answer within 0\.8 s \(--timeout\)/);
      expect(ms).toBeGreaterThanOrEqual(750);
      expect(ms).toBeLessThan(3000);
    });
  }

  it('CLI on a silent server: the first timed-out query stops the run, not one timeout per query', async () => {
    const url = await serve(silent);
    const dir = tempDir();
    writePromptFile(dir); // 6 queries: before, 6 × 2 attempts × 0.5 s
    const out = join(dir, 't.csv');
    const t0 = Date.now();
    const r = await runCli(['--endpoint', `${url}/v1`, '--model', 'm', '--queries', join(dir, 'prompts.csv'), '--out', out, '--energy', 'none', '--timeout', '0.5', '--retries', '1', '--backoff', '0']);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did not answer within 0\.5 s \(--timeout\) \(after 2 attempts\); no request has been answered yet/);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('CLI: a server that stops answering mid-run stops the run after 3 timed-out queries; the answered row is kept', async () => {
    let n = 0;
    const url = await serve((req, res) => {
      if (++n > 1) return; // silent from the second request on
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const prompt = (JSON.parse(body) as { prompt: string }).prompt;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ text: answerFor(prompt), finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1 } }));
      });
    });
    const dir = tempDir();
    writePromptFile(dir);
    const out = join(dir, 't.csv');
    const t0 = Date.now();
    const r = await runCli(['--endpoint', `${url}/v1`, '--model', 'm', '--queries', join(dir, 'prompts.csv'), '--out', out, '--energy', 'none', '--timeout', '0.4', '--retries', '0']);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/3 queries in a row timed out \(the server stopped answering\?\); last: .*did not answer within 0\.4 s/);
    expect(r.stderr).toContain(`1 new row(s) appended to ${out}`);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  // a listening socket that never accepts: once its queue is full, further connections hang in the handshake
  const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;
  if (!hasPython) console.warn('connect-timeout test skipped: python3 is needed for a socket that listens without accepting');
  it.skipIf(!hasPython)('a server that never completes the connection: the attempt ends at --connect-timeout', async () => {
    const py = spawn('python3', ['-c', "import socket,time\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(20)"]);
    const fillers: Socket[] = [];
    try {
      const port = await new Promise<number>((r) => py.stdout.once('data', (d: Buffer) => r(Number(String(d).trim()))));
      for (let i = 0; i < 3; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => {}));
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      const e = await endpointError(new OpenAIClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', timeoutMs: 10_000, connectTimeoutMs: 500, retries: 0 }).complete(REQ));
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(e).toMatchObject({ kind: 'unreachable', fatal: true });
      expect(e.message).toMatch(/no connection within 0\.5 s \(--connect-timeout\)/);
    } finally {
      for (const f of fillers) f.destroy();
      py.kill();
    }
  });

  it('an answer larger than the limit is refused without being buffered whole', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"choices":[{"text":"${'x'.repeat(50_000)}"}]}`);
    });
    const e = await endpointError(new OpenAIClient({ baseUrl: `${url}/v1`, model: 'm', retries: 0, maxResponseBytes: 10_000 }).complete(REQ));
    expect(e).toMatchObject({ kind: 'malformed', fatal: true });
    expect(e.message).toMatch(/the answer exceeds 10000 bytes/);
  });

  it('a redirect is not followed and says so', async () => {
    const url = await serve((_req, res) => res.writeHead(307, { location: 'http://example.invalid/v1/completions' }).end());
    const e = await endpointError(new OpenAIClient({ baseUrl: `${url}/v1`, model: 'm', retries: 0 }).complete(REQ));
    expect(e).toMatchObject({ fatal: true, status: 307 });
    expect(e.message).toMatch(/redirects are not followed/);
  });
});

describe('credentials in --endpoint', () => {
  it('are sent as Basic auth, and neither printed nor written to the side files', async () => {
    fake = await startFakeServer({ answer: (p) => answerFor(p) });
    const dir = tempDir();
    writePromptFile(dir);
    const out = join(dir, 'c.csv');
    const endpoint = fake.url.replace('http://', 'http://alice:s3cr3t-pw@');
    const r = await runCli(['--endpoint', endpoint, '--model', 'm', '--queries', join(dir, 'prompts.csv'), '--out', out, '--energy', 'none', '--limit', '2']);
    expect(r.code).toBe(0);
    expect(fake.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cr3t-pw').toString('base64')}`);
    const side = sideFiles(out);
    const logged = readFileSync(side.requests, 'utf8');
    expect(JSON.parse(logged.split('\n')[0]).endpoint).toBe(fake.url.replace('http://', 'http://***:***@'));
    for (const text of [r.stdout, r.stderr, logged, readFileSync(out, 'utf8')]) {
      expect(text).not.toContain('s3cr3t-pw');
      expect(text).not.toContain('alice');
    }
  });

  it('a query in --endpoint stays a query of every request; secret-looking values are neither printed nor written', async () => {
    fake = await startFakeServer({ answer: (p) => answerFor(p) });
    const dir = tempDir();
    writePromptFile(dir);
    const out = join(dir, 'q.csv');
    const r = await runCli(['--endpoint', `${fake.url}?api-version=2024-06-01&api_key=s3cr3t-key`, '--model', 'm', '--queries', join(dir, 'prompts.csv'), '--out', out, '--energy', 'none', '--limit', '2']);
    expect(r.code).toBe(0);
    // the endpoint's path gains /completions; the query is sent as given (it was appended after the query before)
    expect(fake.requests.map((q) => q.path)).toEqual(['/v1/completions?api-version=2024-06-01&api_key=s3cr3t-key', '/v1/completions?api-version=2024-06-01&api_key=s3cr3t-key']);
    const logged = readFileSync(sideFiles(out).requests, 'utf8');
    expect(JSON.parse(logged.split('\n')[0]).endpoint).toBe(`${fake.url}?api-version=2024-06-01&api_key=***`);
    for (const text of [r.stdout, r.stderr, logged, readFileSync(out, 'utf8')]) expect(text).not.toContain('s3cr3t-key');
  });

  it('an unreachable endpoint with credentials is named without them', async () => {
    const e = await endpointError(new OpenAIClient({ baseUrl: 'http://bob:hunter2@127.0.0.1:1/v1', model: 'm', retries: 0 }).complete(REQ));
    expect(e.message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:1\/v1\/completions/);
    expect(e.message).not.toContain('hunter2');
  });
});

// ---- hf:// downloads ------------------------------------------------------------------------------------------

const BODY = Buffer.from('query_id,model_id,accuracy,cost_usd\nq1,a,1,0.01\nq1,b,0,0.001\n');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * A hub answering the size probe (Range 0-0) honestly; `full` serves the download itself; `info` is what its
 * paths-info API says about the file (no API when absent).
 */
function hub(etag: string, full: Handler, info?: Record<string, unknown>): Handler {
  return (req, res) => {
    if (req.url?.startsWith('/api/')) {
      if (info && req.url === '/api/datasets/acme/bench/paths-info/main' && req.method === 'POST') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ path: 'pairs.csv', type: 'file', ...info }]));
      } else res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end('not found');
      return;
    }
    if (req.headers.range === 'bytes=0-0') {
      res.writeHead(206, { 'Content-Range': `bytes 0-0/${BODY.length}`, ETag: etag, 'Content-Length': 1 }).end(BODY.subarray(0, 1));
      return;
    }
    full(req, res);
  };
}
const honest: Handler = (_req, res) => res.writeHead(200, { 'Content-Length': BODY.length }).end(BODY);

function tempsIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('.greenserv-tmp-')) : [];
}

async function hubFailure(p: Promise<unknown>): Promise<DataError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

describe('hf:// downloads: bounded, verified, no temp file left', () => {
  const uri = 'hf://acme/bench/pairs.csv';
  const ref = { repo: 'acme/bench', revision: 'main', path: 'pairs.csv' };

  it('a hub that never answers: fails at the connect timeout, naming the setting', async () => {
    const hubUrl = await serve(silent);
    const cacheDir = tempDir('gs-hub-');
    const t0 = Date.now();
    const e = await hubFailure(resolveHfSource(uri, { hubUrl, cacheDir, progress: false, limits: { connectMs: 500 } }));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(e.message).toMatch(/^hf:\/\/acme\/bench\/pairs\.csv: download from http:\/\/127\.0\.0\.1:\d+ timed out: no response within 0\.5 s \(raise GREENSERV_HUB_CONNECT_TIMEOUT\)/);
    expect(existsSync(cachedPath(ref, { cacheDir }))).toBe(false);
  });

  it('a hub that trickles: fails at the idle window (too few bytes), temp file removed', async () => {
    const hubUrl = await serve(hub(`"${sha256(BODY)}"`, trickle));
    const cacheDir = tempDir('gs-hub-');
    const t0 = Date.now();
    const e = await hubFailure(resolveHfSource(uri, { hubUrl, cacheDir, progress: false, limits: { idleMs: 700 } }));
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(e.message).toMatch(/stalled: fewer than 1024 bytes in 0\.7 s \(raise GREENSERV_HUB_IDLE_TIMEOUT\)/);
    const dest = cachedPath(ref, { cacheDir });
    expect(existsSync(dest)).toBe(false);
    expect(tempsIn(join(dest, '..'))).toEqual([]);
  });

  it('a total timeout ends a slow but steady download', async () => {
    const hubUrl = await serve(hub('"opaque"', trickle));
    const cacheDir = tempDir('gs-hub-');
    const e = await hubFailure(resolveHfSource(uri, { hubUrl, cacheDir, progress: false, limits: { minBytes: 1, totalMs: 900 } }));
    expect(e.message).toMatch(/not complete within 0\.9 s \(raise GREENSERV_HUB_TIMEOUT\)/);
    expect(tempsIn(join(cachedPath(ref, { cacheDir }), '..'))).toEqual([]);
  });

  it('content that does not match the sha256 ETag is discarded', async () => {
    const hubUrl = await serve(hub(`"${sha256(Buffer.from('something else'))}"`, honest));
    const cacheDir = tempDir('gs-hub-');
    const e = await hubFailure(resolveHfSource(uri, { hubUrl, cacheDir, progress: false }));
    expect(e.message).toContain(`sha256 is ${sha256(BODY)}, the hub's ETag says ${sha256(Buffer.from('something else'))}; download discarded`);
    const dest = cachedPath(ref, { cacheDir });
    expect(existsSync(dest)).toBe(false);
    expect(tempsIn(join(dest, '..'))).toEqual([]);
  });

  it('a matching sha256 or git blob id ETag is accepted', async () => {
    const gitId = execFileSync('git', ['hash-object', '--stdin'], { input: BODY }).toString().trim();
    for (const etag of [`"${sha256(BODY)}"`, `"${gitId}"`]) {
      const hubUrl = await serve(hub(etag, honest));
      const cacheDir = tempDir('gs-hub-');
      const p = await resolveHfSource(uri, { hubUrl, cacheDir, progress: false });
      expect(readFileSync(p)).toEqual(BODY);
    }
    const hubUrl = await serve(hub('"0123456789012345678901234567890123456789"', honest));
    const e = await hubFailure(resolveHfSource(uri, { hubUrl, cacheDir: tempDir('gs-hub-'), progress: false }));
    expect(e.message).toMatch(/git-sha1 is [0-9a-f]{40}, the hub's ETag says 0123456789012345678901234567890123456789/);
  });

  it("the paths-info API's sha256 (LFS) or git id wins over the ETag; a size it contradicts is refused", async () => {
    const gitId = execFileSync('git', ['hash-object', '--stdin'], { input: BODY }).toString().trim();
    const other = sha256(Buffer.from('other'));
    // opaque ETag, authoritative hashes from the API
    const ok1 = await serve(hub('"opaque"', honest, { oid: 'f'.repeat(40), size: 132, lfs: { oid: sha256(BODY), size: BODY.length, pointerSize: 132 } }));
    expect(readFileSync(await resolveHfSource(uri, { hubUrl: ok1, cacheDir: tempDir('gs-hub-'), progress: false }))).toEqual(BODY);
    const ok2 = await serve(hub(`"${other}"`, honest, { oid: gitId, size: BODY.length }));
    expect(readFileSync(await resolveHfSource(uri, { hubUrl: ok2, cacheDir: tempDir('gs-hub-'), progress: false }))).toEqual(BODY);
    const bad = await serve(hub(`"${sha256(BODY)}"`, honest, { oid: 'f'.repeat(40), size: 132, lfs: { oid: other, size: BODY.length, pointerSize: 132 } }));
    const cacheDir = tempDir('gs-hub-');
    const e = await hubFailure(resolveHfSource(uri, { hubUrl: bad, cacheDir, progress: false }));
    expect(e.message).toContain(`the downloaded file's sha256 is ${sha256(BODY)}, the hub's paths-info API says ${other}; download discarded`);
    expect(tempsIn(join(cachedPath(ref, { cacheDir }), '..'))).toEqual([]);
    const short = await serve(hub('"opaque"', honest, { oid: gitId, size: BODY.length + 5 }));
    const s2 = await hubFailure(resolveHfSource(uri, { hubUrl: short, cacheDir: tempDir('gs-hub-'), progress: false }));
    expect(s2.message).toContain(`the hub declares ${BODY.length} bytes for the download but records ${BODY.length + 5} for the file; download refused`);
  });

  it('more bytes than declared are refused as they arrive', async () => {
    const big = Buffer.alloc(200_000, 0x61);
    const hubUrl = await serve(hub('"opaque"', (_req, res) => res.writeHead(200).end(big)));
    const cacheDir = tempDir('gs-hub-');
    const e = await hubFailure(resolveHfSource(uri, { hubUrl, cacheDir, progress: false }));
    expect(e.message).toMatch(new RegExp(`sent more than the ${BODY.length} bytes it declared`));
    expect(tempsIn(join(cachedPath(ref, { cacheDir }), '..'))).toEqual([]);
  });

  it('temp files a killed download left behind are removed once stale', async () => {
    const hubUrl = await serve(hub('"opaque"', honest));
    const cacheDir = tempDir('gs-hub-');
    const dir = join(cachedPath(ref, { cacheDir }), '..');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.greenserv-tmp-old'), 'partial');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(dir, '.greenserv-tmp-old'), old, old);
    writeFileSync(join(dir, '.greenserv-tmp-live'), 'another download in progress');
    await resolveHfSource(uri, { hubUrl, cacheDir, progress: false });
    expect(tempsIn(dir)).toEqual(['.greenserv-tmp-live']);
  });

  it("another process's live download is not taken for stale: it may write only once in two windows, and use longer ones", async () => {
    const hubUrl = await serve(hub('"opaque"', honest));
    const cacheDir = tempDir('gs-hub-');
    const dir = join(cachedPath(ref, { cacheDir }), '..');
    mkdirSync(dir, { recursive: true });
    // 1 KiB at the start of one 60 s window and 1 KiB at the end of the next passes the stall check
    const a = join(dir, '.greenserv-tmp-two-windows');
    writeFileSync(a, 'partial');
    const t1 = new Date(Date.now() - 100_000);
    utimesSync(a, t1, t1);
    await resolveHfSource(uri, { hubUrl, cacheDir, progress: false });
    expect(tempsIn(dir)).toEqual(['.greenserv-tmp-two-windows']);
    // this process stalls after 1 s; the other one may have the default 60 s
    rmSync(cachedPath(ref, { cacheDir }));
    const t2 = new Date(Date.now() - 110_000);
    utimesSync(a, t2, t2);
    await resolveHfSource(uri, { hubUrl, cacheDir, progress: false, limits: { idleMs: 1000 } });
    expect(tempsIn(dir)).toEqual(['.greenserv-tmp-two-windows']);
  });

  it('a bad GREENSERV_HUB_TIMEOUT is named', async () => {
    const old = process.env.GREENSERV_HUB_TIMEOUT;
    process.env.GREENSERV_HUB_TIMEOUT = 'soon';
    try {
      await expect(resolveHfSource(uri, { hubUrl: 'http://127.0.0.1:1', cacheDir: tempDir('gs-hub-'), progress: false })).rejects.toThrow(/GREENSERV_HUB_TIMEOUT must be a number of seconds > 0, got 'soon'/);
    } finally {
      if (old === undefined) delete process.env.GREENSERV_HUB_TIMEOUT;
      else process.env.GREENSERV_HUB_TIMEOUT = old;
    }
  });
});

describe('hf:// downloads: HTTP answers and hostile URIs', () => {
  const uri = 'hf://acme/bench/pairs.csv';
  const ref = { repo: 'acme/bench', revision: 'main', path: 'pairs.csv' };

  it('an HTTP error on the download itself (after the size probe) names the status and what to do', async () => {
    const busy = await serve(hub('"opaque"', (_req, res) => res.writeHead(503, { 'Retry-After': '30' }).end('busy')));
    const cacheDir = tempDir('gs-hub-');
    const e = await hubFailure(resolveHfSource(uri, { hubUrl: busy, cacheDir, progress: false }));
    expect(e.message).toMatch(/^hf:\/\/acme\/bench\/pairs\.csv: the hub failed \(HTTP 503\); try again in 30 s; or download http/);
    expect(e.message).not.toContain('cannot reach');
    expect(tempsIn(join(cachedPath(ref, { cacheDir }), '..'))).toEqual([]);
  });

  it('a rate limit (429) says when to try again, from Retry-After', async () => {
    const limited = await serve((_req, res) => res.writeHead(429, { 'Retry-After': '120' }).end('slow down'));
    const e = await hubFailure(resolveHfSource(uri, { hubUrl: limited, cacheDir: tempDir('gs-hub-'), progress: false }));
    expect(e.message).toContain('the hub is limiting requests (HTTP 429); try again in 120 s');
    const noHint = await serve((_req, res) => res.writeHead(429).end('slow down'));
    const e2 = await hubFailure(resolveHfSource(uri, { hubUrl: noHint, cacheDir: tempDir('gs-hub-'), progress: false }));
    expect(e2.message).toContain('the hub is limiting requests (HTTP 429); try again later');
  });

  it('a download answered with no body (204) fails within the time bounds instead of waiting forever', async () => {
    const empty = await serve(hub('"opaque"', (_req, res) => res.writeHead(204).end()));
    const cacheDir = tempDir('gs-hub-');
    const t0 = Date.now();
    const e = await hubFailure(resolveHfSource(uri, { hubUrl: empty, cacheDir, progress: false, limits: { totalMs: 1500, idleMs: 1000 } }));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(e.message).toContain('HTTP 204');
    expect(existsSync(cachedPath(ref, { cacheDir }))).toBe(false);
  }, 10_000);

  it('a redirect loop is cut off and said to be one', async () => {
    const loop = await serve((req, res) => res.writeHead(302, { Location: req.url ?? '/' }).end());
    const e = await hubFailure(resolveHfSource(uri, { hubUrl: loop, cacheDir: tempDir('gs-hub-'), progress: false }));
    expect(e.message).toMatch(/redirect count exceeded/);
  });

  it('the path of the URI is requested as a literal file name: no %-decoded dot segments, query or fragment', async () => {
    const seen: string[] = [];
    const hubUrl = await serve((req, res) => {
      if (!req.url?.startsWith('/api/')) seen.push(req.url ?? '');
      hub('"opaque"', honest)(req, res);
    });
    const cacheDir = tempDir('gs-hub-');
    await resolveHfSource('hf://acme/bench/%2e%2e/%2E%2E/pairs.csv', { hubUrl, cacheDir, progress: false });
    await resolveHfSource('hf://acme/bench/pairs.csv?x=1#y', { hubUrl, cacheDir, progress: false });
    // each URI segment percent-encoded once (encodeURIComponent), never resolved as a path step
    expect([...new Set(seen)]).toEqual([
      '/datasets/acme/bench/resolve/main/%252e%252e/%252E%252E/pairs.csv',
      '/datasets/acme/bench/resolve/main/pairs.csv%3Fx%3D1%23y',
    ]);
  });

  it('NUL, control characters, overlong names and odd repository names are refused before any request', async () => {
    let requests = 0;
    const hubUrl = await serve((req, res) => {
      requests++;
      hub('"opaque"', honest)(req, res);
    });
    const bad = ['hf://acme/bench/a\0b.csv', 'hf://acme/bench/a\nb.csv', `hf://acme/bench/${'x'.repeat(256)}.csv`, 'hf://ac%2e%2e/bench/x.csv', 'hf://acme/be nch/x.csv', 'hf://acme/bench@ma\0in/x.csv'];
    for (const u of bad) {
      await expect(resolveHfSource(u, { hubUrl, cacheDir: tempDir('gs-hub-'), progress: false }), u).rejects.toBeInstanceOf(UsageError);
    }
    expect(requests).toBe(0);
  });

  it('an endless error body is not read: the status is reported at once', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    const endless = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const more = (): void => {
        while (res.write(chunk));
      };
      res.on('drain', more);
      more();
    });
    const t0 = Date.now();
    const e = await hubFailure(resolveHfSource(uri, { hubUrl: endless, cacheDir: tempDir('gs-hub-'), progress: false, limits: { totalMs: 4000 } }));
    expect(e.message).toContain('the hub failed (HTTP 500)');
    expect(Date.now() - t0).toBeLessThan(3000);
  }, 10_000);

  it('a declared size larger than the free space of the cache is refused before the download', async () => {
    const huge = 2 ** 52;
    let downloads = 0;
    const hubUrl = await serve((req, res) => {
      if (req.url?.startsWith('/api/')) return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();
      if (req.headers.range === 'bytes=0-0') return void res.writeHead(206, { 'Content-Range': `bytes 0-0/${huge}`, ETag: '"opaque"', 'Content-Length': 1 }).end('q');
      downloads++;
      res.writeHead(200).end(BODY);
    });
    const cacheDir = tempDir('gs-hub-');
    const e = await hubFailure(resolveHfSource(uri, { hubUrl, cacheDir, progress: false }));
    expect(e.message).toMatch(new RegExp(`the file is ${huge} bytes; the download cache ${cacheDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has \\d+ bytes free`));
    expect(downloads).toBe(0);
    expect(tempsIn(join(cachedPath(ref, { cacheDir }), '..'))).toEqual([]);
  });

  it('a cache directory that cannot be written is named as such, not as an unreachable hub', async () => {
    const file = join(tempDir('gs-hub-'), 'not-a-dir');
    writeFileSync(file, '');
    const hubUrl = await serve(hub('"opaque"', honest));
    const e = await hubFailure(resolveHfSource(uri, { hubUrl, cacheDir: file, progress: false }));
    expect(e.message).toContain(`cannot write the download cache ${file} (ENOTDIR`);
    expect(e.message).toContain('GREENSERV_CACHE');
    expect(e.message).not.toContain('cannot reach');
  });
});

describe('a malformed HF_TOKEN', () => {
  it('is refused before any request, without printing it', async () => {
    let requests = 0;
    const hubUrl = await serve((req, res) => {
      requests++;
      hub('"opaque"', honest)(req, res);
    });
    for (const token of ['hf_first\nhf_secondhalf', 'hf_s\u20accrethalf', 'hf_two words']) {
      const e = await resolveHfSource('hf://acme/bench/pairs.csv', { hubUrl, cacheDir: tempDir('gs-hub-'), progress: false, token }).then(
        () => null,
        (x: unknown) => x as Error,
      );
      expect(e).toBeInstanceOf(UsageError);
      expect(e!.message).toContain('HF_TOKEN');
      expect(e!.message).not.toMatch(/secondhalf|crethalf|words/);
    }
    expect(requests).toBe(0);
  });
});

describe('credentials in HF_ENDPOINT', () => {
  it('are not printed when the hub cannot be used', async () => {
    const e = await hubFailure(resolveHfSource('hf://acme/bench/pairs.csv', { hubUrl: 'http://carol:t0ps3cret@127.0.0.1:1', cacheDir: tempDir('gs-hub-'), progress: false }));
    expect(e.message).toMatch(/http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:1/);
    expect(e.message).not.toContain('t0ps3cret');
    expect(e.message).not.toContain('carol');
  });
});
