// Requests to a server that wants a token (lesson 13 and the capstone): one
// request read to its end or for a while (a stream), the token from
// POST /login, and what tells a refusal from a stream that started.
import http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** False when the response was still open after `withinMs` (a stream). */
  ended: boolean;
}

export interface AskOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** How long to read a response that does not end (a stream) before closing it. */
  withinMs?: number;
}

/** How long a request may wait for its status line. */
export const ANSWER_DEADLINE_MS = 3000;

/**
 * One request to `baseUrl` + `path`, on its own connection; reads the body
 * until it ends or `withinMs` passes, then closes. Undefined: no answer within
 * ANSWER_DEADLINE_MS (or the connection failed).
 */
export function ask(baseUrl: string, path: string, { method = 'GET', headers = {}, body, withinMs = 600 }: AskOptions = {}): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${baseUrl}${path}`, {
      method,
      agent: false,
      headers: { Accept: 'text/event-stream', ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers },
    });
    const deadline = setTimeout(() => {
      req.destroy();
      resolve(undefined);
    }, ANSWER_DEADLINE_MS);
    req.on('response', (res) => {
      clearTimeout(deadline);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      const timer = setTimeout(() => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ended: false });
      }, withinMs);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ended: true });
      });
      res.on('error', () => {});
    });
    req.on('error', () => {
      clearTimeout(deadline);
      resolve(undefined);
    });
    req.end(payload);
  });
}

/** For a token accepted after tokenTtlMs: what ends a token. */
export const EXPIRED_TOKEN_HINT =
  'A signed token stays correctly signed for ever: its expiry time is what ends it. Check it against Date.now(), and set it from tokenTtlMs when you issue the token.';

export const isStream = (answer: Answer) => /text\/event-stream/i.test(String(answer.headers['content-type'] ?? ''));

/** A refusal must carry nothing of a stream: no text/event-stream, no retry, no event, and it ends. */
export const carriesNoStream = (answer: Answer) => !isStream(answer) && !/^(retry|data|event|id):/m.test(answer.body) && answer.ended;

/** The token of a POST /login answer ({"token": "..."}), when it has one. */
export function tokenOf(answer: Answer | undefined): string | undefined {
  try {
    const token = (JSON.parse(answer?.body ?? '') as { token?: unknown }).token;
    return typeof token === 'string' && token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

/** POST /login with {"user", "password"}: the answer, and its token when it gave one. */
export async function logIn(baseUrl: string, user: string, password: string): Promise<{ answer: Answer | undefined; token: string | undefined }> {
  const answer = await ask(baseUrl, '/login', { method: 'POST', body: { user, password } });
  return { answer, token: answer?.status === 200 ? tokenOf(answer) : undefined };
}
