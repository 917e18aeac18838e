import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Secret } from '../config/secret.js';

/** Compares a password with a bcrypt hash; injected so tests can count the comparisons. */
export type HashCompare = (password: string, hash: string) => Promise<boolean>;

/** The `user:password` of a `Basic` Authorization header, or `undefined` when there is none or it is malformed. */
export function parseBasicAuthorization(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks HTTP basic credentials against bcrypt hashes (`basic_auth_users`). An unknown user costs a
 * bcrypt comparison too, against a hash of the same cost, so timing does not tell which users exist.
 * A successful check is remembered (as an HMAC under a per-process random key, never the password) so
 * that a scraper sending the same credentials every 15 s does not pay a bcrypt comparison each time.
 */
export class BasicAuthenticator {
  readonly #hashes: ReadonlyMap<string, Secret>;
  readonly #dummyHash: string;
  readonly #compare: HashCompare;
  readonly #cacheKey = randomBytes(32);
  /** Per user, the HMAC of the last password that matched. */
  readonly #verified = new Map<string, Buffer>();

  constructor(hashes: ReadonlyMap<string, Secret>, compare: HashCompare = bcrypt.compare) {
    this.#hashes = hashes;
    this.#compare = compare;
    const cost = Math.max(4, ...[...hashes.values()].map((hash) => bcrypt.getRounds(hash.reveal())));
    this.#dummyHash = bcrypt.hashSync(randomBytes(16).toString('hex'), cost);
  }

  /** Whether any user is configured; without users every request is let through. */
  get enabled(): boolean {
    return this.#hashes.size > 0;
  }

  /** Whether the Authorization header carries a configured user with the right password. */
  async check(authorization: string | undefined): Promise<boolean> {
    const credentials = parseBasicAuthorization(authorization);
    if (credentials === undefined) return false;
    const hash = this.#hashes.get(credentials.user);
    const digest = createHmac('sha256', this.#cacheKey)
      .update(credentials.user)
      .update('\0')
      .update(credentials.password)
      .digest();
    const remembered = hash === undefined ? undefined : this.#verified.get(credentials.user);
    if (remembered !== undefined && timingSafeEqual(remembered, digest)) return true;
    const matches = await this.#compare(credentials.password, hash?.reveal() ?? this.#dummyHash);
    if (!matches || hash === undefined) return false;
    this.#verified.set(credentials.user, digest);
    return true;
  }
}
