/**
 * A minimal client for OpenAI-compatible servers (vLLM, llama.cpp server, Ollama): `/v1/completions` with a raw
 * prompt (the paper fed raw text, docs/model.md §1) or `/v1/chat/completions` with one user message. Connect timeout
 * and a hard deadline per attempt, a bounded answer size, retries with exponential backoff on transient
 * failures, errors classified so the runner knows whether the run can go on.
 */

import { HttpError, postOnce, redactUrl, splitCredentials, type HttpReply } from './http.js';
import { Rng } from '../core/rng.js';

export type ApiKind = 'completions' | 'chat';

interface ClientOptions {
  /** Base URL including the version prefix, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  model: string;
  api?: ApiKind;
  apiKey?: string;
  /** Whole attempt: connect, generation and answer (default 120 s). */
  timeoutMs?: number;
  /** TCP/TLS connection (default 10 s, never more than timeoutMs). */
  connectTimeoutMs?: number;
  /** Largest answer body accepted (default 16 MiB). */
  maxResponseBytes?: number;
  /** Further attempts after the first on transient failures. */
  retries?: number;
  /** First backoff; doubles per retry (a Retry-After header wins, capped at 60 s). */
  backoffMs?: number;
  temperature?: number;
  /** Extra request fields (e.g. seed, top_p). */
  extra?: Record<string, unknown>;
}

interface CompletionRequest {
  prompt: string;
  maxTokens: number;
  stop: string[];
}

/** Hook around each HTTP attempt (energy windows): `done(true)` only for the attempt whose answer is used. */
interface AttemptHook {
  done(ok: boolean): void;
}

export interface CompletionResult {
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** False when the server sent no usage block and the counts are estimated (≈ 4 characters per token). */
  usageReported: boolean;
  finishReason: string | null;
  /** Wall time of the successful attempt, seconds. */
  latencyS: number;
  attempts: number;
}

/**
 * `fatal`: the run cannot go on (unreachable, authentication, wrong path/model, the server does not speak the
 * API). Otherwise the failure concerns this query only (e.g. prompt longer than the context window).
 */
export class EndpointError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'http' | 'malformed' | 'timeout' | 'aborted',
    readonly fatal: boolean,
    readonly status?: number,
    /** False: asking again cannot help (the server answers in the other API's shape), whatever the kind. */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'EndpointError';
  }
}

export interface CompletionClient {
  readonly description: string;
  complete(req: CompletionRequest, opts?: { signal?: AbortSignal; onAttempt?: () => AttemptHook }): Promise<CompletionResult>;
}

const MAX_RETRY_AFTER_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new EndpointError('interrupted', 'aborted', true));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new EndpointError('interrupted', 'aborted', true));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function snippet(s: string, n = 200): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
}

/** The error text an OpenAI-style error body carries, if any. */
function serverMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: string } | string; message?: string; detail?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (j.error?.message) return j.error.message;
    if (j.message) return j.message;
    if (j.detail) return typeof j.detail === 'string' ? j.detail : JSON.stringify(j.detail);
  } catch {
    // not JSON
  }
  return snippet(body);
}

export class OpenAIClient implements CompletionClient {
  private readonly url: string;
  private readonly target: URL;
  private readonly basicAuth: string | null;
  private readonly api: ApiKind;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  /** The retry waits' jitter: this client's own generator, seeded explicitly (timings never reach results). */
  private readonly jitter = new Rng(RETRY_JITTER_SEED);

  constructor(private readonly o: ClientOptions) {
    let base: URL;
    try {
      base = new URL(o.baseUrl);
    } catch {
      throw new EndpointError(`--endpoint '${redactUrl(o.baseUrl)}' is not a URL (expected e.g. http://127.0.0.1:8000/v1)`, 'unreachable', true);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new EndpointError(`--endpoint '${redactUrl(o.baseUrl)}' must be an http(s) URL`, 'unreachable', true);
    }
    this.api = o.api ?? 'completions';
    // credentials in the URL become a Basic header; the URL we print and log carries none
    const { url: clean, authorization } = splitCredentials(base);
    this.basicAuth = authorization;
    // the path gains the endpoint; a query (Azure's ?api-version=…, a ?key=…) stays a query
    const target = new URL(clean.href);
    target.pathname = `${target.pathname.replace(/\/+$/, '')}/${this.api === 'chat' ? 'chat/completions' : 'completions'}`;
    this.target = target;
    // shown and logged: secret-looking query values hidden
    this.url = redactUrl(target.href);
    this.timeoutMs = o.timeoutMs ?? 120_000;
    this.connectTimeoutMs = Math.min(o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, this.timeoutMs);
    this.maxResponseBytes = o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.retries = o.retries ?? 3;
    this.backoffMs = o.backoffMs ?? 1000;
  }

  get description(): string {
    return `${this.url} (model ${this.o.model})`;
  }

  private body(req: CompletionRequest): string {
    const common = { model: this.o.model, max_tokens: req.maxTokens, temperature: this.o.temperature ?? 0, ...(req.stop.length ? { stop: req.stop } : {}), ...this.o.extra };
    if (this.api === 'chat') return JSON.stringify({ ...common, messages: [{ role: 'user', content: req.prompt }] });
    return JSON.stringify({ ...common, prompt: req.prompt });
  }

  async complete(req: CompletionRequest, opts: { signal?: AbortSignal; onAttempt?: () => AttemptHook } = {}): Promise<CompletionResult> {
    const body = this.body(req);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    else if (this.basicAuth) headers.authorization = this.basicAuth;
    let lastError: EndpointError | null = null;
    for (let attempt = 1; attempt <= this.retries + 1; attempt++) {
      if (opts.signal?.aborted) throw new EndpointError('interrupted', 'aborted', true);
      const hook = opts.onAttempt?.();
      const started = performance.now();
      let retryAfterMs: number | null = null;
      try {
        const res = await this.post(body, headers, opts.signal);
        const text = res.body;
        const latencyS = (performance.now() - started) / 1000;
        if (res.status < 200 || res.status >= 300) {
          const ra = res.headers['retry-after'];
          retryAfterMs = parseRetryAfter(typeof ra === 'string' ? ra : null);
          const loc = res.status >= 300 && res.status < 400 ? redirectTarget(res.headers.location, this.target) : '';
          throw httpError(res.status, this.url, `${serverMessage(text) || '(empty body)'}${loc}`);
        }
        const out = this.parse(text, latencyS, attempt, req.prompt, res.headers['content-type']);
        hook?.done(true);
        return out;
      } catch (e) {
        hook?.done(false);
        const err = e instanceof EndpointError ? e : classifyFetchError(e, this.url, this.timeoutMs, this.connectTimeoutMs, opts.signal);
        if (err.kind === 'aborted') throw err;
        lastError = err;
        if (!isRetryable(err) || attempt > this.retries) break;
        const wait = retryAfterMs ?? retryWait(attempt, this.backoffMs, this.jitter);
        await sleep(Math.min(wait, MAX_RETRY_AFTER_MS), opts.signal);
      }
    }
    const e = lastError!;
    const tries = this.retries + 1;
    const after = isRetryable(e) && tries > 1 ? ` (after ${tries} attempts)` : '';
    throw new EndpointError(`${e.message}${after}`, e.kind, e.fatal, e.status);
  }

  private post(body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<HttpReply> {
    return postOnce(this.target, body, headers, { connectMs: this.connectTimeoutMs, totalMs: this.timeoutMs, maxBytes: this.maxResponseBytes }, signal);
  }

  private parse(text: string, latencyS: number, attempts: number, prompt: string, contentType?: string): CompletionResult {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      // a proxy's HTML page is told apart from a cut-short JSON answer by its content-type
      const ct = contentType?.split(';')[0].trim();
      const kind = ct && !/json/i.test(ct) ? ` (content-type ${snippet(ct, 60)}, expected application/json)` : '';
      throw new EndpointError(`${this.url} answered with malformed JSON${kind}: ${snippet(text) || '(empty body)'}`, 'malformed', true);
    }
    const doc = j as {
      choices?: { text?: unknown; message?: { content?: unknown }; finish_reason?: unknown }[];
      usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
    };
    const choice = Array.isArray(doc?.choices) ? doc.choices[0] : undefined;
    if (!choice) {
      throw new EndpointError(`${this.url} returned no completion (empty 'choices'): ${snippet(text)}`, 'malformed', true);
    }
    const raw = this.api === 'chat' ? choice.message?.content : choice.text;
    // a chat message whose content is null (e.g. only a refusal) counts as an empty answer
    if (raw !== null && raw !== undefined && typeof raw !== 'string') {
      throw new EndpointError(`${this.url} returned a completion without text: ${snippet(text)}`, 'malformed', true);
    }
    if (raw === undefined) {
      // servers that speak only one of the two APIs answer the other's path in their own shape
      const other = this.api === 'chat' ? (typeof choice.text === 'string' ? ' (a raw-prompt answer, choices[0].text: try --api completions)' : '') : choice.message !== undefined ? ' (a chat answer, choices[0].message: try --api chat)' : '';
      throw new EndpointError(`${this.url} returned a completion without text${other}: ${snippet(text)}`, 'malformed', true, undefined, other === '');
    }
    const out = raw ?? '';
    const pt = doc.usage?.prompt_tokens;
    const ct = doc.usage?.completion_tokens;
    // token counts are whole numbers: anything else (1.5, 1e300, "") is treated as no usage block
    const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    const usageReported = count(pt) && count(ct);
    return {
      text: out,
      inputTokens: usageReported ? pt : Math.ceil(prompt.length / 4),
      outputTokens: usageReported ? ct : Math.ceil(out.length / 4),
      usageReported,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      latencyS,
      attempts,
    };
  }
}

const RETRY_JITTER_SEED = 1;

/** The wait before retry `attempt` + 1: backoff · 2^(attempt − 1), times a jitter in [0.8, 1.2) so concurrent requests spread out. */
export function retryWait(attempt: number, backoffMs: number, jitter: Rng): number {
  return backoffMs * 2 ** (attempt - 1) * (0.8 + 0.4 * jitter.next());
}

function parseRetryAfter(h: string | null): number | null {
  if (!h) return null;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : null;
}

/** ', a redirect to <url>' (credentials hidden), or '' without a Location header. */
function redirectTarget(location: string | string[] | undefined, from: URL): string {
  if (typeof location !== 'string' || location === '') return '';
  try {
    return `, a redirect to ${redactUrl(new URL(location, from).href)}`;
  } catch {
    return `, a redirect to ${snippet(location, 120)}`;
  }
}

function httpError(status: number, url: string, msg: string): EndpointError {
  const base = `${url} answered HTTP ${status}: ${msg}`;
  if (status === 401 || status === 403) return new EndpointError(`${base} — check --api-key / GREENSERV_API_KEY`, 'http', true, status);
  if (status >= 300 && status < 400) return new EndpointError(`${base} — redirects are not followed; give the final URL as --endpoint`, 'http', true, status);
  if (status === 404) return new EndpointError(`${base} — check the --endpoint path (it should end in /v1) and --model`, 'http', true, status);
  if (status === 408 || status === 429 || status >= 500) return new EndpointError(base, 'http', true, status);
  // 400, 413, 422…: this request is at fault (e.g. the prompt exceeds the context window)
  return new EndpointError(base, 'http', false, status);
}

function isRetryable(e: EndpointError): boolean {
  if (!e.retryable) return false;
  if (e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'malformed') return true;
  return e.kind === 'http' && e.status !== undefined && (e.status === 408 || e.status === 429 || e.status >= 500);
}

function classifyFetchError(e: unknown, url: string, timeoutMs: number, connectMs: number, signal?: AbortSignal): EndpointError {
  if (signal?.aborted) return new EndpointError('interrupted', 'aborted', true);
  if (e instanceof HttpError) {
    if (e.kind === 'aborted') return new EndpointError('interrupted', 'aborted', true);
    if (e.kind === 'timeout') return new EndpointError(`${url} did not answer within ${timeoutMs / 1000} s (--timeout)`, 'timeout', false);
    if (e.kind === 'connect-timeout') return new EndpointError(`cannot reach ${url}: no connection within ${connectMs / 1000} s (--connect-timeout)`, 'unreachable', true);
    if (e.kind === 'too-large') return new EndpointError(`${url}: ${e.message}; not a completion`, 'malformed', true);
    const why = e.code === 'ECONNREFUSED' ? 'connection refused — is the server running?' : e.code === 'ENOTFOUND' ? 'host not found' : e.message;
    return new EndpointError(`cannot reach ${url}: ${why}`, 'unreachable', true);
  }
  return new EndpointError(`cannot reach ${url}: ${(e as Error)?.message ?? String(e)}`, 'unreachable', true);
}
