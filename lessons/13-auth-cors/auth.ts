// Who may listen: users sign in with POST /login and get a short-lived token,
// signed by the server, that they then show with every request.

export class Tokens {
  private readonly secret: string;
  private readonly ttlMs: number;

  constructor(secret: string, ttlMs: number) {
    this.secret = secret;
    this.ttlMs = ttlMs;
  }

  /** A token for `user`, valid for ttlMs from now. */
  issue(user: string): string {
    // TODO 1: a token that needs no storage on the server: who it is for, until
    //   when it is valid, and a signature made with this.secret that nobody
    //   else can make. (docs/13-auth-cors.md#who-is-asking-a-short-lived-token)
    throw new Error('Tokens.issue is not written yet');
  }

  /** The user the token was issued to, or undefined when it is forged, malformed or expired. */
  verify(token: unknown): string | undefined {
    // TODO 2: check the signature (comparing in constant time), then the expiry.
    //   (docs/13-auth-cors.md#who-is-asking-a-short-lived-token)
    return undefined;
  }
}

/** Whether `password` is the password of `user` in `users`. */
export function checkPassword(users: Record<string, string>, user: unknown, password: unknown): user is string {
  // TODO 3: only a user of `users`, with exactly its password (compared in
  //   constant time). (docs/13-auth-cors.md#who-is-asking-a-short-lived-token)
  return false;
}
