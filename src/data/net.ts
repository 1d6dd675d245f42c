/**
 * A fetch whose every call is bounded: response headers within `connectMs`, then at least `minBytes` of body in
 * every `idleMs` window (a server that trickles a byte now and then is as stuck as a silent one), and the
 * whole exchange within `totalMs`. The timers are ours, held and cleared explicitly, never left to an
 * AbortSignal that might be collected.
 */
import { UsageError } from '../core/errors.js';

export interface NetLimits {
  connectMs: number;
  idleMs: number;
  /** Bytes that must arrive in each idle window. */
  minBytes: number;
  totalMs: number;
}

/**
 * Query parameters whose values are taken for secrets (`key`, `api_key`, `access_token`, `sig`, `password`, …):
 * a name that is, or ends in, one of these words.
 */
const SECRET_PARAM = /(?:^|[-_.])(?:key|apikey|token|secret|password|passwd|pwd|sig|signature|auth|authorization|credential|credentials)$/i;

/** `?name=value` pairs of a URL or a message with a secret-looking name: the value replaced by `***`. */
function redactQuery(s: string): string {
  return s.replace(/([?&;])([^=&#\s]+)=([^&#\s]*)/g, (all, sep: string, name: string) => (SECRET_PARAM.test(decodeName(name)) ? `${sep}${name}=***` : all));
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** A URL as it may be shown or logged: any user name or password, and secret-looking query values, replaced by `***`. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (!u.username && !u.password) return redactQuery(raw);
    u.username = '***';
    u.password = u.password ? '***' : '';
    return redactQuery(u.href);
  } catch {
    // not a URL: hide anything that looks like userinfo before an @
    return redactQuery(raw.replace(/\/\/[^/@\s]*@/, '//***@'));
  }
}

/** Any `scheme://user:pass@` inside a message, with the credentials replaced by `***`, and secret-looking query values. */
export function redactText(s: string): string {
  return redactQuery(s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@'));
}

export type NetPhase = 'connect' | 'idle' | 'total';

export class NetTimeoutError extends Error {
  constructor(
    message: string,
    readonly phase: NetPhase,
  ) {
    super(message);
    this.name = 'NetTimeoutError';
  }
}

/** Seconds from an environment variable, or the default; a bad value names the variable. */
export function envSeconds(name: string, fallbackS: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallbackS * 1000;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${name} must be a number of seconds > 0, got '${raw}'`);
  return v * 1000;
}

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer one would fire after 1 ms, so it is capped. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function timer(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, Math.min(ms, MAX_TIMER_MS));
  // unref: a response whose body nobody reads must not keep the process alive
  t.unref();
  return t;
}

export function timedFetch(limits: NetLimits, describe: (phase: NetPhase) => string, base: typeof fetch = fetch): typeof fetch {
  return async (input, init = {}) => {
    const ac = new AbortController();
    const outer = init.signal ?? undefined;
    const onOuter = (): void => ac.abort(outer?.reason);
    if (outer?.aborted) onOuter();
    else outer?.addEventListener('abort', onOuter, { once: true });
    let failure: NetTimeoutError | null = null;
    const trip = (phase: NetPhase): void => {
      failure ??= new NetTimeoutError(describe(phase), phase);
      ac.abort(failure);
    };
    const total = timer(() => trip('total'), limits.totalMs);
    let phase = timer(() => trip('connect'), limits.connectMs);
    const cleanup = (): void => {
      clearTimeout(total);
      clearTimeout(phase);
      outer?.removeEventListener('abort', onOuter);
    };
    let res: Response;
    try {
      res = await base(input, { ...init, signal: ac.signal });
    } catch (e) {
      cleanup();
      throw failure ?? e;
    }
    clearTimeout(phase);
    if (!res.body || [101, 103, 204, 205, 304].includes(res.status)) {
      cleanup();
      return res;
    }
    const reader = res.body.getReader();
    let windowBytes = 0;
    const window = (): void => {
      clearTimeout(phase);
      phase = timer(() => {
        if (windowBytes < limits.minBytes) trip('idle');
        else {
          windowBytes = 0;
          window();
        }
      }, limits.idleMs);
    };
    window();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            cleanup();
            ctrl.close();
            return;
          }
          windowBytes += value.byteLength;
          ctrl.enqueue(value);
        } catch (e) {
          cleanup();
          ctrl.error(failure ?? e);
        }
      },
      cancel(reason) {
        cleanup();
        return reader.cancel(reason);
      },
    });
    const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    // keep the final address after redirects (the hub client reads it)
    Object.defineProperty(out, 'url', { value: res.url });
    return out;
  };
}
