/**
 * One HTTP POST with every phase bounded: the TCP (and TLS) connection within `connectMs`, the whole exchange
 * within `totalMs`, and the response body within `maxBytes`. Built on node:http rather than fetch so the
 * connect phase can be timed on its own and every timer is ours to clear.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { redactUrl } from '../data/net.js';

export { redactUrl };

interface HttpLimits {
  connectMs: number;
  totalMs: number;
  maxBytes: number;
}

export interface HttpReply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

type HttpFailure = 'connect-timeout' | 'timeout' | 'too-large' | 'aborted' | 'network';

export class HttpError extends Error {
  constructor(
    message: string,
    readonly kind: HttpFailure,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Credentials written into a URL (`http://user:pass@host`) as a Basic header, and the URL without them. */
export function splitCredentials(url: URL): { url: URL; authorization: string | null } {
  if (!url.username && !url.password) return { url, authorization: null };
  const clean = new URL(url.href);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  clean.username = '';
  clean.password = '';
  return { url: clean, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

export function postOnce(url: URL, body: string, headers: Record<string, string>, limits: HttpLimits, signal?: AbortSignal): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HttpError('interrupted', 'aborted'));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } });
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const finish = (err: HttpError | null, reply?: HttpReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(reply!);
    };
    const onAbort = (): void => finish(new HttpError('interrupted', 'aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const totalTimer = setTimeout(() => finish(new HttpError(`no complete answer within ${limits.totalMs / 1000} s`, 'timeout')), limits.totalMs);
    connectTimer = setTimeout(() => finish(new HttpError(`no connection within ${limits.connectMs / 1000} s`, 'connect-timeout')), limits.connectMs);
    req.on('socket', (s) => {
      // a kept-alive socket is connected already
      if (!s.connecting) clearTimeout(connectTimer);
      else s.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(new HttpError(e.message, 'network', e.code)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes > limits.maxBytes) return finish(new HttpError(`the answer exceeds ${limits.maxBytes} bytes`, 'too-large'));
        chunks.push(c);
      });
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e: NodeJS.ErrnoException) => finish(new HttpError(e.message, 'network', e.code)));
      res.on('aborted', () => finish(new HttpError('the connection closed mid-answer', 'network', 'ECONNRESET')));
    });
    req.end(body);
  });
}
