// CORS for pages of other origins: only the origins on the allowlist may read
// our answers. Used by server.ts in front of every route.
import type { RequestHandler } from 'express';

export function allowOrigins(allowedOrigins: string[]): RequestHandler {
  return (req, res, next) => {
    // TODO 4: answer pages of the allowed origins (and only those), say that the
    //   answer depends on the Origin, and answer the browser's preflight (OPTIONS)
    //   before a POST with JSON or an Authorization header.
    //   (docs/13-auth-cors.md#cors-which-pages-may-read-the-stream)
    next();
  };
}
