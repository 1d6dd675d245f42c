/** Test doubles for live profiling: an OpenAI-compatible HTTP server, a powercap tree and an nvidia-smi script. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerProfileModelsCommand } from '../../src/cli/profileModels.js';
import { isUserError, userErrorText } from '../../src/cli/errors.js';

export function tempDir(prefix = 'gs-prof-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  prompt: string;
}

export type Reply = string | { status: number; body: string; headers?: Record<string, string> } | { raw: Record<string, unknown> };

export interface FakeServerOptions {
  /** The completion text (or a full reply) for a prompt. */
  answer: (prompt: string, req: SeenRequest, n: number) => Reply | Promise<Reply>;
  delayMs?: number | ((prompt: string) => number);
  /** Called while a request is being served (e.g. to advance a fake energy counter). */
  during?: (req: SeenRequest) => void;
  usage?: boolean;
}

export interface FakeServer {
  url: string;
  requests: SeenRequest[];
  inFlightMax: number;
  close(): Promise<void>;
}

export async function startFakeServer(o: FakeServerOptions): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  const state = { inFlightMax: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', async () => {
      inFlight++;
      state.inFlightMax = Math.max(state.inFlightMax, inFlight);
      try {
        const body = JSON.parse(data) as Record<string, unknown>;
        const prompt = typeof body.prompt === 'string' ? body.prompt : ((body.messages as { content: string }[] | undefined)?.[0]?.content ?? '');
        const seen: SeenRequest = { path: req.url ?? '', headers: req.headers, body, prompt };
        requests.push(seen);
        o.during?.(seen);
        const delay = typeof o.delayMs === 'function' ? o.delayMs(prompt) : (o.delayMs ?? 0);
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        const a = await o.answer(prompt, seen, requests.length);
        if (typeof a === 'object' && 'status' in a) {
          res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
          res.end(a.body);
        } else {
          const doc =
            typeof a === 'object'
              ? a.raw
              : {
                  id: 'cmpl-test',
                  object: req.url?.includes('chat') ? 'chat.completion' : 'text_completion',
                  model: body.model,
                  choices: [req.url?.includes('chat') ? { index: 0, message: { role: 'assistant', content: a }, finish_reason: 'stop' } : { index: 0, text: a, finish_reason: 'stop' }],
                  ...(o.usage === false ? {} : { usage: { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: Math.max(1, a.split(/\s+/).filter(Boolean).length), total_tokens: 0 } }),
                };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(doc));
        }
      } catch (e) {
        res.writeHead(500);
        res.end(String(e));
      } finally {
        inFlight--;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get inFlightMax() {
      return state.inFlightMax;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/v1`;
}

// ---- powercap ---------------------------------------------------------------------------------------------

export const RAPL_MAX = 262143328850;

export interface FakePowercap {
  dir: string;
  /** Add µJ to the package counter (wrapping at max_energy_range_uj) and `dramUj` to DRAM. */
  bump(pkgUj: number, dramUj?: number): void;
  set(pkgUj: number): void;
  /** Add to the psys zone only (must be ignored). */
  bumpPsys(uj: number): void;
}

export function fakePowercap(startUj = 1_000_000): FakePowercap {
  const dir = tempDir('gs-powercap-');
  const zone = (rel: string, name: string, uj: number): void => {
    mkdirSync(join(dir, rel), { recursive: true });
    writeFileSync(join(dir, rel, 'name'), name + '\n');
    writeFileSync(join(dir, rel, 'energy_uj'), `${uj}\n`);
    writeFileSync(join(dir, rel, 'max_energy_range_uj'), `${RAPL_MAX}\n`);
  };
  zone('intel-rapl:0', 'package-0', startUj);
  zone('intel-rapl:0/intel-rapl:0:0', 'core', 5);
  zone('intel-rapl:0/intel-rapl:0:1', 'dram', 7);
  zone('intel-rapl:1', 'psys', 9);
  const add = (rel: string, uj: number): void => {
    const f = join(dir, rel, 'energy_uj');
    const v = Number(readFileSync(f, 'utf8'));
    let n = v + uj;
    if (n > RAPL_MAX) n -= RAPL_MAX;
    writeFileSync(f, `${n}\n`);
  };
  return {
    dir,
    bump: (pkg, dram = 0) => {
      add('intel-rapl:0', pkg);
      add('intel-rapl:0/intel-rapl:0:1', dram);
      add('intel-rapl:0/intel-rapl:0:0', pkg / 2); // core is inside the package: never added
    },
    set: (pkg) => writeFileSync(join(dir, 'intel-rapl:0', 'energy_uj'), `${pkg}\n`),
    bumpPsys: (uj) => add('intel-rapl:1', uj),
  };
}

// ---- nvidia-smi ---------------------------------------------------------------------------------------------

/**
 * Writes an executable `nvidia-smi` into a fresh directory (put it first on PATH). Behaviour from env:
 * FAKE_NVSMI_POWER (W, default 200), FAKE_NVSMI_MODE = counter | power | fail, FAKE_NVSMI_INSTANT = 0 to
 * reject power.draw.instant like older drivers, FAKE_NVSMI_GPUS (count, default 1).
 */
export function fakeNvidiaSmi(): string {
  const dir = tempDir('gs-nvsmi-');
  const script = `#!${process.execPath}
const args = process.argv.slice(2);
const q = args.find((a) => a.startsWith('--query-gpu='));
const lmsAt = args.indexOf('-lms');
const mode = process.env.FAKE_NVSMI_MODE || 'counter';
const power = Number(process.env.FAKE_NVSMI_POWER || 200);
const gpus = Number(process.env.FAKE_NVSMI_GPUS || 1);
if (mode === 'fail') { process.stderr.write('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\\n'); process.exit(9); }
if (!q) { process.stdout.write('fake nvidia-smi\\n'); process.exit(0); }
const fields = q.slice('--query-gpu='.length).split(',');
const known = ['index', 'name', 'power.draw', 'total_energy_consumption'];
if (process.env.FAKE_NVSMI_INSTANT !== '0') known.push('power.draw.instant');
for (const f of fields) if (!known.includes(f)) { process.stderr.write('Field "' + f + '" is not a valid field to query.\\n'); process.exit(2); }
const t0 = Date.now();
const base = 987654321;
const line = (i) => fields.map((f) => {
  if (f === 'index') return String(i);
  if (f === 'name') return 'Fake GPU ' + i;
  if (f.startsWith('power.draw')) return power.toFixed(2);
  if (f === 'total_energy_consumption') return mode === 'power' ? '[N/A]' : String(Math.round(base + power * (Date.now() - t0)));
}).join(', ');
const iAt = args.indexOf('-i');
const ids = iAt >= 0 ? args[iAt + 1].split(',').map(Number) : Array.from({ length: gpus }, (_, i) => i);
const emit = () => { let s = ''; for (const i of ids) s += line(i) + '\\n'; process.stdout.write(s); };
emit();
if (lmsAt >= 0) { const ms = Number(args[lmsAt + 1]); setInterval(emit, ms); process.on('SIGTERM', () => process.exit(0)); }
`;
  const p = join(dir, 'nvidia-smi');
  writeFileSync(p, script);
  chmodSync(p, 0o755);
  return dir;
}

// ---- CLI ------------------------------------------------------------------------------------------------------

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `profile-models` in-process as main() would: user errors → exit 2 with the message on stderr. */
export async function runCli(args: string[], during?: () => void): Promise<CliResult> {
  const program = new Command().name('greenserv').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerProfileModelsCommand(program);
  let stdout = '';
  let stderr = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => ((stdout += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += String(s)), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  let code = 0;
  try {
    during?.();
    await program.parseAsync(['node', 'greenserv', 'profile-models', ...args]);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) code = 2;
    else if (isUserError(e)) {
      stderr += `greenserv: error: ${userErrorText(e)}\n`;
      code = 2;
    } else throw e;
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = before;
  }
  return { code, stdout, stderr };
}
