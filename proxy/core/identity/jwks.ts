/**
 * Stage 2 of key retrieval: one provider's keys, cached, refreshed when stale or when a
 * token names a key the cache does not hold (the issuer rotated its keys).
 *
 * Choices:
 *  - A cached set is trusted for `cacheTtlSeconds`; past that it is refetched on the next
 *    token. If that refetch fails the stale set keeps serving (an issuer outage must not
 *    lock everyone out while its keys are still the right ones) and the failure is retried
 *    no sooner than `minRefreshIntervalSeconds` later.
 *  - An unknown `kid` triggers a refetch at most once per `minRefreshIntervalSeconds`: a
 *    flood of tokens with made-up `kid`s costs the issuer one request per interval, and
 *    concurrent refetches share one request.
 *  - The file source follows the same rules, so rotating keys in a JWKS file works too.
 */
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { fetchJwks, readJwksFile } from "./fetch.js";
import { AuthError, type ProviderConfig } from "./types.js";

const DEFAULT_TTL_S = 600;
const DEFAULT_MIN_REFRESH_S = 30;

type Resolver = ReturnType<typeof createLocalJWKSet>;

interface Loaded {
  jwks: JSONWebKeySet;
  resolve: Resolver;
  loadedAtMs: number;
}

export interface KeySourceOptions {
  now: () => Date;
  fetchTimeoutMs: number;
}

export class KeySource {
  private loaded: Loaded | null = null;
  private inflight: Promise<Loaded> | null = null;
  private lastAttemptMs = Number.NEGATIVE_INFINITY;
  /** Why the last read failed; repeated while reads are rate-limited and no keys are cached. */
  private lastError: unknown = null;
  /** How many times the JWKS was read or fetched (for tests and metrics). */
  loads = 0;

  constructor(
    private readonly provider: ProviderConfig,
    private readonly options: KeySourceOptions,
  ) {}

  /** A jose key resolver for `jwtVerify`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const current = await this.current();
    try {
      return await current.resolve(header, token);
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSNoMatchingKey)) throw e;
    }
    // A refetch already under way (another token with a new kid) may bring this key too.
    if (this.inflight || this.mayRefresh()) {
      const fresh = await (this.inflight ?? this.load()).catch(() => null);
      if (fresh) {
        try {
          return await fresh.resolve(header, token);
        } catch (e) {
          if (!(e instanceof joseErrors.JWKSNoMatchingKey)) throw e;
        }
      }
    }
    throw new AuthError(
      typeof header.kid === "string" ? `no key with kid ${printable(header.kid)} in the issuer's JWKS` : `no key in the issuer's JWKS matches the token (alg ${printable(String(header.alg))}, no kid)`,
    );
  };

  /** The cached set, (re)loaded when missing or past its TTL. */
  private async current(): Promise<Loaded> {
    const ttlMs = (this.provider.cacheTtlSeconds ?? DEFAULT_TTL_S) * 1000;
    const loaded = this.loaded;
    if (loaded && this.nowMs() - loaded.loadedAtMs < ttlMs) return loaded;
    if (loaded && !this.mayRefresh()) return loaded;
    if (!loaded && this.inflight) return this.inflight;
    // Never loaded and the issuer failed recently: do not hammer it with one fetch per token.
    if (!loaded && this.lastError !== null && !this.mayRefresh()) throw this.lastError;
    try {
      return await this.load();
    } catch (e) {
      if (loaded) return loaded;
      throw e;
    }
  }

  private mayRefresh(): boolean {
    const minMs = (this.provider.minRefreshIntervalSeconds ?? DEFAULT_MIN_REFRESH_S) * 1000;
    return this.nowMs() - this.lastAttemptMs >= minMs;
  }

  private load(): Promise<Loaded> {
    if (this.inflight) return this.inflight;
    this.lastAttemptMs = this.nowMs();
    this.loads++;
    const p = this.read()
      .then((jwks) => {
        const loaded = { jwks, resolve: createLocalJWKSet(jwks), loadedAtMs: this.nowMs() };
        this.loaded = loaded;
        this.lastError = null;
        return loaded;
      })
      .catch((e: unknown) => {
        this.lastError = e;
        throw e;
      })
      .finally(() => {
        this.inflight = null;
      });
    this.inflight = p;
    return p;
  }

  private read(): Promise<JSONWebKeySet> {
    const p = this.provider;
    if (p.jwksFile !== undefined) return readJwksFile(p.jwksFile);
    if (p.jwksUrl !== undefined) {
      return fetchJwks(p.jwksUrl, { timeoutMs: this.options.fetchTimeoutMs, ...(p.jwksCa !== undefined ? { ca: p.jwksCa } : {}), ...(p.allowInsecureHttp ? { allowInsecureHttp: true } : {}) });
    }
    return Promise.reject(new AuthError(`issuer ${p.issuer} has neither a JWKS file nor a JWKS URL`));
  }

  private nowMs(): number {
    return this.options.now().getTime();
  }
}

/** Client-supplied text in an error: one line, bounded, no control characters. */
export function printable(s: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
