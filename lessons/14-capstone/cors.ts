// CORS for pages of other origins: only the origins on the allowlist may read
// our answers, and only they may send credentials. Never echo back whatever
// Origin arrives, and never "*" with credentials.
import type { RequestHandler } from 'express';

export function allowOrigins(allowedOrigins: string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, res, next) => {
    // The answer depends on Origin: a cache must not give one origin's answer to another.
    res.vary('Origin');
    const origin = req.get('Origin');
    const isAllowed = origin !== undefined && allowed.has(origin);
    if (isAllowed) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    }
    // The browser's preflight, before a POST with JSON or an Authorization header.
    if (req.method === 'OPTIONS') {
      if (!isAllowed) {
        res.status(403).end();
        return;
      }
      res.set({
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
      });
      res.status(204).end();
      return;
    }
    next();
  };
}
