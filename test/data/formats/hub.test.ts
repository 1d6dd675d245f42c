import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { parseHfUri, resolveHfSource, cachedPath, cacheDirectory, listCachedFiles } from '../../../src/data/hub.js';
import { loadTable } from '../../../src/data/load.js';
import { UsageError } from '../../../src/core/errors.js';
import { scratch, dataError } from './helpers.js';

const s = scratch();
const TOKEN = 'hf_test_secret_value_123';
const PAIRS = 'query_id,model_id,accuracy,cost_usd\nq1,a,1,0.01\nq1,b,0,0.001\nq2,a,1,0.02\n';
const FILES: Record<string, { body: Buffer; private?: boolean }> = {
  '/datasets/acme/bench/resolve/main/pairs.csv': { body: Buffer.from(PAIRS) },
  '/datasets/acme/bench/resolve/v2/pairs.csv': { body: Buffer.from(PAIRS.replace('q2', 'q3')) },
  '/datasets/acme/bench/resolve/refs%2Fpr%2F1/pairs.csv': { body: Buffer.from(PAIRS.replace('q2', 'q4')) },
  '/datasets/acme/secret/resolve/main/pairs.csv': { body: Buffer.from(PAIRS), private: true },
};

let server: Server;
let hubUrl = '';
const requests: { url: string; auth?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    const f = FILES[req.url ?? ''];
    if (!f) {
      res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end('not found');
      return;
    }
    if (f.private && req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    const etag = '"etag-1"';
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    if (range) {
      const a = Number(range[1]);
      const b = Math.min(Number(range[2]), f.body.length - 1);
      res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${f.body.length}`, ETag: etag, 'Content-Length': b - a + 1 });
      res.end(f.body.subarray(a, b + 1));
      return;
    }
    res.writeHead(200, { ETag: etag, 'Content-Length': f.body.length });
    res.end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('hf:// URIs', () => {
  it('parses owner, dataset, revision and path', () => {
    expect(parseHfUri('hf://withmartian/routerbench/routerbench_0shot.pkl')).toEqual({ repo: 'withmartian/routerbench', revision: 'main', path: 'routerbench_0shot.pkl' });
    expect(parseHfUri('hf://datasets/acme/bench@v2/sub/dir/x.csv')).toEqual({ repo: 'acme/bench', revision: 'v2', path: 'sub/dir/x.csv' });
    expect(() => parseHfUri('hf://acme/bench')).toThrow(UsageError);
    expect(() => parseHfUri('hf://acme/bench/../../etc/passwd')).toThrow(UsageError);
  });

  it('downloads into the cache once, then reads the cached file (also offline)', async () => {
    const cacheDir = join(s.dir, 'cache1');
    const before = requests.length;
    const p = await resolveHfSource('hf://acme/bench/pairs.csv', { hubUrl, cacheDir, progress: false });
    expect(p).toBe(cachedPath({ repo: 'acme/bench', revision: 'main', path: 'pairs.csv' }, { cacheDir }));
    expect(readFileSync(p, 'utf8')).toBe(PAIRS);
    expect(requests.length).toBeGreaterThan(before);
    const after = requests.length;
    expect(await resolveHfSource('hf://acme/bench/pairs.csv', { hubUrl, cacheDir })).toBe(p);
    expect(await resolveHfSource('hf://acme/bench/pairs.csv', { offline: true, cacheDir })).toBe(p);
    expect(requests.length).toBe(after);
    expect(listCachedFiles({ cacheDir }).map((f) => f.uri)).toEqual(['hf://acme/bench/pairs.csv']);
  });

  it('loadTable reads hf:// sources, honouring the revision', async () => {
    const cacheDir = join(s.dir, 'cache2');
    const t = await loadTable('hf://acme/bench/pairs.csv', { hub: { hubUrl, cacheDir, progress: false } });
    expect(t.queryIds).toEqual(['q1', 'q2']);
    expect(t.name).toBe('pairs.csv');
    const v2 = await loadTable('hf://acme/bench@v2/pairs.csv', { hub: { hubUrl, cacheDir, progress: false } });
    expect(v2.queryIds).toEqual(['q1', 'q3']);
  });

  it('a revision with / is written with %2F: requested encoded, cached in one directory, listed as written', async () => {
    const uri = 'hf://acme/bench@refs%2Fpr%2F1/pairs.csv';
    const ref = parseHfUri(uri);
    expect(ref).toEqual({ repo: 'acme/bench', revision: 'refs/pr/1', path: 'pairs.csv' });
    const cacheDir = join(s.dir, 'cache-pr');
    const t = await loadTable(uri, { hub: { hubUrl, cacheDir, progress: false } });
    expect(t.queryIds).toEqual(['q1', 'q4']);
    expect(requests.some((r) => r.url === '/datasets/acme/bench/resolve/refs%2Fpr%2F1/pairs.csv')).toBe(true);
    const p = cachedPath(ref, { cacheDir });
    expect(p).toBe(join(cacheDir, 'hf', 'datasets', 'acme', 'bench', 'refs%2Fpr%2F1', 'pairs.csv'));
    expect(existsSync(p)).toBe(true);
    expect(listCachedFiles({ cacheDir }).map((f) => f.uri)).toEqual([uri]);
    // the listed URI reads the same file back, offline
    expect((await loadTable(listCachedFiles({ cacheDir })[0].uri, { offline: true, hub: { cacheDir } })).queryIds).toEqual(['q1', 'q4']);
  });

  it('offline without a cached copy says which file to place where', async () => {
    const cacheDir = join(s.dir, 'cache3');
    const e = await dataError(loadTable('hf://withmartian/routerbench/routerbench_0shot.pkl', { offline: true, hub: { cacheDir } }));
    const dest = join(cacheDir, 'hf', 'datasets', 'withmartian', 'routerbench', 'main', 'routerbench_0shot.pkl');
    expect(e.message).toContain('offline and not in the cache');
    expect(e.message).toContain('https://huggingface.co/datasets/withmartian/routerbench/resolve/main/routerbench_0shot.pkl');
    expect(e.message).toContain(`place it at ${dest}`);
  });

  it('HF_HUB_OFFLINE=1 is offline too, for every command (no request is made)', async () => {
    const cacheDir = join(s.dir, 'cache-env');
    const before = process.env.HF_HUB_OFFLINE;
    const n = requests.length;
    try {
      for (const v of ['1', 'true', 'YES']) {
        process.env.HF_HUB_OFFLINE = v;
        const e = await dataError(loadTable('hf://acme/bench/pairs.csv', { hub: { cacheDir, hubUrl } }));
        expect(e.message).toContain('offline (HF_HUB_OFFLINE) and not in the cache');
      }
      expect(requests.length).toBe(n);
      // '0' (or unset) leaves the hub reachable: the file is downloaded
      process.env.HF_HUB_OFFLINE = '0';
      expect(existsSync(await resolveHfSource('hf://acme/bench/pairs.csv', { cacheDir, hubUrl, progress: false }))).toBe(true);
      expect(requests.length).toBeGreaterThan(n);
    } finally {
      if (before === undefined) delete process.env.HF_HUB_OFFLINE;
      else process.env.HF_HUB_OFFLINE = before;
    }
  });

  it('an unreachable hub gives the same instructions', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const cacheDir = join(s.dir, 'cache4');
    const e = await dataError(resolveHfSource('hf://acme/bench/pairs.csv', { hubUrl: `http://127.0.0.1:${port}`, cacheDir, progress: false }));
    expect(e.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+/);
    expect(e.message).toContain(`place it at ${join(cacheDir, 'hf', 'datasets', 'acme', 'bench', 'main', 'pairs.csv')}`);
    expect(existsSync(join(cacheDir, 'hf', 'datasets', 'acme', 'bench', 'main', 'pairs.csv'))).toBe(false);
  });

  it('sends HF_TOKEN for private datasets and never prints it', async () => {
    const cacheDir = join(s.dir, 'cache5');
    const denied = await dataError(resolveHfSource('hf://acme/secret/pairs.csv', { hubUrl, cacheDir, progress: false, token: '' }));
    expect(denied.message).toMatch(/denied \(HTTP 401\): set HF_TOKEN/);
    const wrong = await dataError(resolveHfSource('hf://acme/secret/pairs.csv', { hubUrl, cacheDir, progress: false, token: 'hf_wrong_token_456' }));
    expect(wrong.message).toMatch(/HF_TOKEN was not accepted/);
    expect(wrong.message).not.toContain('hf_wrong_token_456');
    const old = process.env.HF_TOKEN;
    process.env.HF_TOKEN = TOKEN;
    try {
      const p = await resolveHfSource('hf://acme/secret/pairs.csv', { hubUrl, cacheDir, progress: false });
      expect(readFileSync(p, 'utf8')).toBe(PAIRS);
    } finally {
      if (old === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = old;
    }
    expect(requests.some((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('a missing file is reported as not found', async () => {
    const e = await dataError(resolveHfSource('hf://acme/bench/nope.csv', { hubUrl, cacheDir: join(s.dir, 'cache6'), progress: false }));
    expect(e.message).toMatch(/no file 'nope.csv' in dataset acme\/bench/);
  });
});

describe('environment variables set but empty count as unset', () => {
  it('GREENSERV_CACHE= keeps ~/.cache/greenserv (not ./hf of the working directory); HF_ENDPOINT= keeps huggingface.co', async () => {
    const old = { cache: process.env.GREENSERV_CACHE, endpoint: process.env.HF_ENDPOINT };
    const asked: string[] = [];
    // no network: the fake hub answers every request with "no such file"
    const fake: typeof fetch = async (input) => {
      asked.push(String(input instanceof Request ? input.url : input));
      return new Response('not found', { status: 404, headers: { 'X-Error-Code': 'EntryNotFound' } });
    };
    try {
      process.env.GREENSERV_CACHE = '';
      process.env.HF_ENDPOINT = ' ';
      expect(cacheDirectory()).toBe(join(homedir(), '.cache', 'greenserv'));
      const e = await dataError(resolveHfSource('hf://acme/bench/nope.csv', { fetch: fake, progress: false, cacheDir: join(s.dir, 'cache-env-empty') }));
      expect(e.message).toContain('on https://huggingface.co');
      expect(asked[0]).toBe('https://huggingface.co/datasets/acme/bench/resolve/main/nope.csv');
    } finally {
      for (const [k, v] of [['GREENSERV_CACHE', old.cache], ['HF_ENDPOINT', old.endpoint]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
