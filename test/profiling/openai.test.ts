import { afterEach, describe, expect, it } from 'vitest';
import { EndpointError, OpenAIClient, retryWait } from '../../src/profiling/openai.js';
import { Rng } from '../../src/core/rng.js';
import { closedPortUrl, startFakeServer, type FakeServer, type Reply } from './helpers.js';

let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const REQ = { prompt: 'Question: 2+2?\nAnswer:\n', maxTokens: 4, stop: ['\n'] };

async function failure(p: Promise<unknown>): Promise<EndpointError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EndpointError);
    return e as EndpointError;
  }
  throw new Error('expected an EndpointError');
}

describe('OpenAIClient', () => {
  it('sends raw-prompt completions with the generation settings and a bearer key', async () => {
    server = await startFakeServer({ answer: () => ' 4' });
    const c = new OpenAIClient({ baseUrl: server.url + '/', model: 'm', apiKey: 'sk-test', temperature: 0, extra: { seed: 7 } });
    const r = await c.complete(REQ);
    expect(r).toMatchObject({ text: ' 4', usageReported: true, attempts: 1, finishReason: 'stop' });
    expect(r.inputTokens).toBe(Math.ceil(REQ.prompt.length / 4));
    expect(server.requests[0].path).toBe('/v1/completions');
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-test');
    expect(server.requests[0].body).toEqual({ model: 'm', prompt: REQ.prompt, max_tokens: 4, temperature: 0, stop: ['\n'], seed: 7 });
  });

  it('speaks chat completions; a null content is an empty answer', async () => {
    let n = 0;
    server = await startFakeServer({
      answer: () => (++n === 1 ? 'four' : { raw: { choices: [{ message: { role: 'assistant', content: null }, finish_reason: 'stop' }] } }),
    });
    const c = new OpenAIClient({ baseUrl: server.url, model: 'm', api: 'chat' });
    expect((await c.complete(REQ)).text).toBe('four');
    expect(server.requests[0].path).toBe('/v1/chat/completions');
    expect(server.requests[0].body.messages).toEqual([{ role: 'user', content: REQ.prompt }]);
    const empty = await c.complete(REQ);
    expect(empty).toMatchObject({ text: '', usageReported: false, outputTokens: 0 });
  });

  it('retries 5xx and 429 with backoff (Retry-After honoured), then succeeds', async () => {
    const replies: Reply[] = [{ status: 503, body: '{"error":{"message":"loading model"}}' }, { status: 429, body: 'slow down', headers: { 'retry-after': '0' } }, 'ok'];
    server = await startFakeServer({ answer: (_p, _r, n) => replies[n - 1] });
    const hooks: boolean[] = [];
    const r = await new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 3, backoffMs: 5 }).complete(REQ, { onAttempt: () => ({ done: (ok) => hooks.push(ok) }) });
    expect(r).toMatchObject({ text: 'ok', attempts: 3 });
    expect(hooks).toEqual([false, false, true]);
  });

  it('gives up on persistent 5xx as fatal, naming the attempts and the server message', async () => {
    server = await startFakeServer({ answer: () => ({ status: 500, body: '{"error":{"message":"CUDA out of memory"}}' }) });
    const e = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 2, backoffMs: 1 }).complete(REQ));
    expect(e.fatal).toBe(true);
    expect(e.message).toMatch(/HTTP 500: CUDA out of memory \(after 3 attempts\)/);
    expect(server.requests).toHaveLength(3);
  });

  it('401 and 404 are fatal at once with a hint; 400 concerns only this query', async () => {
    server = await startFakeServer({
      answer: (_p, r) =>
        r.headers.authorization !== 'Bearer right'
          ? { status: 401, body: '{"error":"invalid api key"}' }
          : r.body.model === 'missing'
            ? { status: 404, body: '{"error":{"message":"model not found"}}' }
            : { status: 400, body: '{"error":{"message":"prompt is longer than the context window"}}' },
    });
    const e401 = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', apiKey: 'wrong', retries: 3 }).complete(REQ));
    expect(e401).toMatchObject({ fatal: true, status: 401 });
    expect(e401.message).toMatch(/invalid api key — check --api-key/);
    const e404 = await failure(new OpenAIClient({ baseUrl: server.url, model: 'missing', apiKey: 'right' }).complete(REQ));
    expect(e404.message).toMatch(/model not found — check the --endpoint path/);
    const e400 = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', apiKey: 'right', retries: 3 }).complete(REQ));
    expect(e400).toMatchObject({ fatal: false, status: 400 });
    expect(server.requests).toHaveLength(3); // no retries for any of them
  });

  it('malformed JSON and empty choices are protocol errors', async () => {
    server = await startFakeServer({ answer: (p) => (p.includes('x') ? { status: 200, body: '<html>proxy error</html>' } : { raw: { choices: [] } }) });
    const bad = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 1, backoffMs: 1 }).complete({ ...REQ, prompt: 'x' }));
    expect(bad).toMatchObject({ kind: 'malformed', fatal: true });
    expect(bad.message).toMatch(/malformed JSON: <html>proxy error<\/html> \(after 2 attempts\)/);
    const none = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 0 }).complete(REQ));
    expect(none.message).toMatch(/no completion \(empty 'choices'\)/);
  });

  it('token counts that are not whole numbers (1.5, 1e300, strings) count as no usage and are estimated', async () => {
    const bad: Record<string, unknown>[] = [{ prompt_tokens: 1e300, completion_tokens: 2 }, { prompt_tokens: 10, completion_tokens: 1.5 }, { prompt_tokens: '', completion_tokens: '' }, { prompt_tokens: -1, completion_tokens: 3 }];
    let n = 0;
    server = await startFakeServer({ answer: () => ({ raw: { choices: [{ text: 'The answer is 4.' }], usage: bad[n++] } }) });
    const c = new OpenAIClient({ baseUrl: server.url, model: 'm' });
    for (let i = 0; i < bad.length; i++) {
      const r = await c.complete(REQ);
      expect(r).toMatchObject({ usageReported: false, inputTokens: Math.ceil(REQ.prompt.length / 4), outputTokens: 4 });
    }
  });

  it('estimates token counts when the server sends no usage', async () => {
    server = await startFakeServer({ answer: () => 'The answer is 4.', usage: false });
    const r = await new OpenAIClient({ baseUrl: server.url, model: 'm' }).complete(REQ);
    expect(r).toMatchObject({ usageReported: false, inputTokens: Math.ceil(REQ.prompt.length / 4), outputTokens: 4 });
  });

  it('unreachable endpoint: retried, then fatal with a clear message', async () => {
    const url = await closedPortUrl();
    const t0 = Date.now();
    const e = await failure(new OpenAIClient({ baseUrl: url, model: 'm', retries: 2, backoffMs: 20 }).complete(REQ));
    expect(e).toMatchObject({ kind: 'unreachable', fatal: true });
    expect(e.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/completions: connection refused — is the server running\? \(after 3 attempts\)/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40); // 20 + 40 ms backoff, jittered ±20 %
  });

  it('a timeout concerns the query; an abort stops at once', async () => {
    server = await startFakeServer({ answer: () => 'late', delayMs: 300 });
    const e = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', timeoutMs: 50, retries: 1, backoffMs: 1 }).complete(REQ));
    expect(e).toMatchObject({ kind: 'timeout', fatal: false });
    expect(e.message).toMatch(/did not answer within 0.05 s/);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const a = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm' }).complete(REQ, { signal: ac.signal }));
    expect(a.kind).toBe('aborted');
  });

  it('rejects a malformed endpoint URL', () => {
    expect(() => new OpenAIClient({ baseUrl: 'localhost:8000', model: 'm' })).toThrow(/http\(s\) URL|not a URL/);
    expect(() => new OpenAIClient({ baseUrl: 'not a url', model: 'm' })).toThrow(/not a URL/);
  });
});

describe('OpenAIClient: what an unusable answer was', () => {
  it('a redirect names where it pointed (credentials hidden) and an empty body says so', async () => {
    server = await startFakeServer({ answer: () => ({ status: 302, body: '', headers: { location: 'https://u:pw@proxy.example/v1/completions' } }) });
    const e = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 0 }).complete(REQ));
    expect(e).toMatchObject({ fatal: true, status: 302 });
    expect(e.message).toContain('answered HTTP 302: (empty body), a redirect to https://***:***@proxy.example/v1/completions — redirects are not followed');
    expect(e.message).not.toContain('pw');
  });

  it('a body that is not JSON names the content-type it came with', async () => {
    server = await startFakeServer({ answer: () => ({ status: 200, body: '<html>Welcome</html>', headers: { 'content-type': 'text/html' } }) });
    const e = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 0 }).complete(REQ));
    expect(e.message).toMatch(/answered with malformed JSON \(content-type text\/html, expected application\/json\): <html>Welcome<\/html>$/);
  });
});

describe('OpenAIClient: an answer in the other API shape', () => {
  it('hints at --api chat / --api completions when choices[0] has the other field', async () => {
    server = await startFakeServer({
      answer: (_p, r) =>
        r.path.includes('chat')
          ? { raw: { choices: [{ index: 0, text: 'B', finish_reason: 'stop' }] } }
          : { raw: { choices: [{ index: 0, message: { role: 'assistant', content: 'B' }, finish_reason: 'stop' }] } },
    });
    const asText = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 0 }).complete(REQ));
    expect(asText.message).toMatch(/completions returned a completion without text \(a chat answer, choices\[0\]\.message: try --api chat\)/);
    const asChat = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', api: 'chat', retries: 0 }).complete(REQ));
    expect(asChat.message).toMatch(/chat\/completions returned a completion without text \(a raw-prompt answer, choices\[0\]\.text: try --api completions\)/);
  });

  it('is not asked again: the answer cannot change, so retries are not spent on it', async () => {
    server = await startFakeServer({ answer: () => ({ raw: { choices: [{ index: 0, message: { role: 'assistant', content: 'B' }, finish_reason: 'stop' }] } }) });
    const e = await failure(new OpenAIClient({ baseUrl: server.url, model: 'm', retries: 3, backoffMs: 1 }).complete(REQ));
    expect(e.message).toMatch(/try --api chat\): /);
    expect(e.message).not.toContain('attempts');
    expect(server.requests).toHaveLength(1);
  });
});

describe('retryWait', () => {
  it('doubles per attempt with a jitter in [0.8, 1.2) from the generator it is given, the same for the same seed', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    const draws = new Rng(3);
    for (let attempt = 1; attempt <= 6; attempt++) {
      const w = retryWait(attempt, 100, a);
      expect(w).toBe(100 * 2 ** (attempt - 1) * (0.8 + 0.4 * draws.next()));
      expect(w / (100 * 2 ** (attempt - 1))).toBeGreaterThanOrEqual(0.8);
      expect(w / (100 * 2 ** (attempt - 1))).toBeLessThan(1.2);
      expect(retryWait(attempt, 100, b)).toBe(w);
    }
  });
});
