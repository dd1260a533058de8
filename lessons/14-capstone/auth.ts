// Who may publish: a request must carry a token the server knows, as
// "Authorization: Bearer <token>". The token says who is speaking, so nobody
// can post under someone else's name. (Lesson 13 covers how a browser gets a
// token or a cookie; here the tokens are a fixed list from the options.)
import type { Request } from 'express';

/** The workshop's demo accounts, used when createApp gets no tokens: never in production. */
export const DEMO_TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };

/** The user the request's bearer token belongs to, or undefined. */
export function userOf(req: Request, tokens: Record<string, string>): string | undefined {
  // TODO 1: read the Authorization header ("Bearer <token>") and return the
  // user of a known token; undefined for anything else, a missing header included.
  // Read docs/14-capstone.md#who-may-publish
  return undefined;
}
