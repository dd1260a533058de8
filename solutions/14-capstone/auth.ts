// Who may listen: users sign in with POST /login and get a short-lived token,
// signed by the server (HMAC), that they then show with every request. A token
// is not stored anywhere: its signature proves the server issued it, its
// expiry time limits the harm when it leaks (a URL ends up in logs).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Compares two strings in a time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export class Tokens {
  private readonly secret: string;
  private readonly ttlMs: number;

  constructor(secret: string, ttlMs: number) {
    this.secret = secret;
    this.ttlMs = ttlMs;
  }

  /** A token for `user`, valid for ttlMs from now: "<payload>.<signature>". */
  issue(user: string): string {
    const payload = Buffer.from(JSON.stringify({ user, exp: Date.now() + this.ttlMs })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The user the token was issued to, or undefined when it is forged, malformed or expired. */
  verify(token: unknown): string | undefined {
    if (typeof token !== 'string') {
      return undefined;
    }
    const [payload, signature] = token.split('.');
    if (!payload || !signature || !sameText(signature, this.sign(payload))) {
      return undefined;
    }
    try {
      const { user, exp } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { user?: unknown; exp?: unknown };
      if (typeof user !== 'string' || typeof exp !== 'number' || exp <= Date.now()) {
        return undefined;
      }
      return user;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}

/** Whether `password` is the password of `user` in `users`. */
export function checkPassword(users: Record<string, string>, user: unknown, password: unknown): user is string {
  if (typeof user !== 'string' || typeof password !== 'string' || !Object.hasOwn(users, user)) {
    return false;
  }
  return sameText(password, users[user]!);
}
