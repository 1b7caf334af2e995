/**
 * Exact numbers for Rego.
 *
 * OPA keeps numbers as arbitrary-precision text, so `18446744073709551617 + 1` is exact
 * and `1.0`, `1` and `1e0` are one value. An `RNumber` is `mant * 10^exp` with a bigint
 * mantissa, normalised (no trailing zeros in `mant`, zero is `0 * 10^0`) so that equal
 * numbers have equal fields and a cheap canonical key.
 */

const TEN = 10n;
const NUMBER_RE = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
/** Beyond this exponent an integer prints in e-notation instead of a huge digit string. */
const MAX_PLAIN_EXP = 1000;

const pow10Cache: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let p = pow10Cache[n];
    if (p === undefined) {
      p = TEN ** BigInt(n);
      pow10Cache[n] = p;
    }
    return p;
  }
  return TEN ** BigInt(n);
}

function absBig(x: bigint): bigint {
  return x < 0n ? -x : x;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function gcd(a: bigint, b: bigint): bigint {
  a = absBig(a);
  b = absBig(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export class RNumber {
  private cachedKey: string | undefined;

  /** Use `RNumber.of`, which normalises; the fields are then canonical. */
  private constructor(
    readonly mant: bigint,
    readonly exp: number,
  ) {}

  static readonly ZERO = new RNumber(0n, 0);
  static readonly ONE = new RNumber(1n, 0);

  /** `mant * 10^exp`, normalised. */
  static of(mant: bigint, exp = 0): RNumber {
    if (mant === 0n) return RNumber.ZERO;
    while (mant % TEN === 0n) {
      mant /= TEN;
      exp++;
    }
    return new RNumber(mant, exp);
  }

  static fromInt(n: number | bigint): RNumber {
    if (typeof n === "number") {
      if (!Number.isInteger(n)) throw new RangeError(`RNumber.fromInt: ${n} is not an integer`);
      return RNumber.of(BigInt(n));
    }
    return RNumber.of(n);
  }

  /** From a JS double, through its shortest round-trip text (so `0.1` is 0.1, not its binary expansion). */
  static fromDouble(n: number): RNumber {
    if (!Number.isFinite(n)) throw new RangeError(`RNumber.fromDouble: ${n} is not finite`);
    return RNumber.parse(String(n).replace(/e\+/, "e"))!;
  }

  /** JSON / Rego number text; `null` if the text is not a number. */
  static parse(text: string): RNumber | null {
    if (!NUMBER_RE.test(text)) return null;
    let s = text;
    let exp = 0;
    const e = s.search(/[eE]/);
    if (e >= 0) {
      exp = Number(s.slice(e + 1));
      if (!Number.isSafeInteger(exp)) return null;
      s = s.slice(0, e);
    }
    const dot = s.indexOf(".");
    if (dot >= 0) {
      exp -= s.length - dot - 1;
      s = s.slice(0, dot) + s.slice(dot + 1);
    }
    return RNumber.of(BigInt(s), exp);
  }

  isInteger(): boolean {
    return this.exp >= 0;
  }

  isZero(): boolean {
    return this.mant === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.mant < 0n ? -1 : this.mant > 0n ? 1 : 0;
  }

  /** Exact integer value; throws for non-integers (check `isInteger` first). */
  toBigInt(): bigint {
    if (this.exp < 0) throw new RangeError(`RNumber.toBigInt: ${this.toString()} is not an integer`);
    return this.mant * pow10(this.exp);
  }

  /** Integer as a JS number if it is a safe integer, else undefined. */
  toSafeInt(): number | undefined {
    if (this.exp < 0 || this.exp > 16) return undefined;
    const n = Number(this.toBigInt());
    return Number.isSafeInteger(n) ? n : undefined;
  }

  /** Nearest JS double (may round or overflow to ±Infinity). */
  toNumber(): number {
    return Number(`${this.mant}e${this.exp}`);
  }

  /** Canonical key: equal numbers, and only those, share it. */
  key(): string {
    return (this.cachedKey ??= `${this.mant}e${this.exp}`);
  }

  /**
   * Canonical text. Integers print in full (as OPA prints integer results, e.g.
   * `18446744073709551618`, `1e21 * 1` → `1000000000000000000000`); other numbers print in
   * plain decimal notation unless very small, where Go-style e-notation (`1e-07`) is used.
   */
  toString(): string {
    const { mant, exp } = this;
    if (exp >= 0) {
      if (exp <= MAX_PLAIN_EXP) return (mant * pow10(exp)).toString();
      return `${mant}e+${exp}`;
    }
    const neg = mant < 0n;
    const digits = absBig(mant).toString();
    const point = digits.length + exp; // digits before the decimal point
    let body: string;
    if (point > 0) {
      body = `${digits.slice(0, point)}.${digits.slice(point)}`;
    } else if (point > -6) {
      body = `0.${"0".repeat(-point)}${digits}`;
    } else {
      const e = point - 1;
      const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
      body = `${digits[0]}${frac}e-${String(-e).padStart(2, "0")}`;
    }
    return neg ? `-${body}` : body;
  }

  toJSON(): string {
    return this.toString();
  }

  neg(): RNumber {
    return this.mant === 0n ? this : new RNumber(-this.mant, this.exp);
  }

  abs(): RNumber {
    return this.mant < 0n ? new RNumber(-this.mant, this.exp) : this;
  }

  add(other: RNumber): RNumber {
    if (this.mant === 0n) return other;
    if (other.mant === 0n) return this;
    const e = Math.min(this.exp, other.exp);
    return RNumber.of(this.mant * pow10(this.exp - e) + other.mant * pow10(other.exp - e), e);
  }

  sub(other: RNumber): RNumber {
    return this.add(other.neg());
  }

  mul(other: RNumber): RNumber {
    return RNumber.of(this.mant * other.mant, this.exp + other.exp);
  }

  /**
   * Quotient. Exact when it is a terminating decimal; otherwise rounded the way OPA's
   * `big.Float` (64-bit mantissa) rounds and then printed shortest-round-trip, so `1/3`
   * is `0.3333333333333333333`. Throws RangeError on a zero divisor.
   */
  div(other: RNumber): RNumber {
    if (other.mant === 0n) throw new RangeError("divide by zero");
    if (this.mant === 0n) return RNumber.ZERO;
    const g = gcd(this.mant, other.mant);
    let n = this.mant / g;
    let d = other.mant / g;
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    let exp = this.exp - other.exp;
    let twos = 0;
    let fives = 0;
    let rest = d;
    while (rest % 2n === 0n) {
      rest /= 2n;
      twos++;
    }
    while (rest % 5n === 0n) {
      rest /= 5n;
      fives++;
    }
    if (rest === 1n) {
      const k = Math.max(twos, fives);
      n *= 2n ** BigInt(k - twos) * 5n ** BigInt(k - fives);
      return RNumber.of(n, exp - k);
    }
    return roundBinary64(n, d, exp);
  }

  /** Integer remainder with the dividend's sign (Go's `big.Int.Rem`); integers only. */
  rem(other: RNumber): RNumber {
    if (!this.isInteger() || !other.isInteger()) throw new RangeError("modulo on floating-point number");
    if (other.mant === 0n) throw new RangeError("modulo by zero");
    return RNumber.of(this.toBigInt() % other.toBigInt());
  }

  floor(): RNumber {
    if (this.exp >= 0) return this;
    const q = this.mant / pow10(-this.exp);
    return RNumber.of(this.mant < 0n ? q - 1n : q);
  }

  ceil(): RNumber {
    if (this.exp >= 0) return this;
    const q = this.mant / pow10(-this.exp);
    return RNumber.of(this.mant > 0n ? q + 1n : q);
  }

  /** Half away from zero, as OPA's `round`. */
  round(): RNumber {
    if (this.exp >= 0) return this;
    const half = RNumber.of(5n, -1);
    return this.mant < 0n ? this.sub(half).trunc() : this.add(half).trunc();
  }

  private trunc(): RNumber {
    if (this.exp >= 0) return this;
    return RNumber.of(this.mant / pow10(-this.exp));
  }

  compare(other: RNumber): -1 | 0 | 1 {
    const sa = this.sign();
    const sb = other.sign();
    if (sa !== sb) return sa < sb ? -1 : 1;
    if (sa === 0) return 0;
    // Compare magnitudes by order of magnitude first so huge exponents never get expanded.
    const da = absBig(this.mant).toString().length + this.exp;
    const db = absBig(other.mant).toString().length + other.exp;
    let mag: number;
    if (da !== db) {
      mag = da < db ? -1 : 1;
    } else {
      const e = Math.min(this.exp, other.exp);
      const a = absBig(this.mant) * pow10(this.exp - e);
      const b = absBig(other.mant) * pow10(other.exp - e);
      mag = a < b ? -1 : a > b ? 1 : 0;
    }
    if (mag === 0) return 0;
    return (sa < 0 ? -mag : mag) as -1 | 1;
  }

  equals(other: RNumber): boolean {
    return this.mant === other.mant && this.exp === other.exp;
  }
}

/**
 * `n / d * 10^exp` (d > 0) rounded to a 64-bit binary mantissa (half to even), then the
 * shortest decimal that rounds back to that binary value: what Go's `big.Float.Quo`
 * followed by `Text('g', -1)` yields in OPA.
 */
function roundBinary64(n: bigint, d: bigint, exp: number): RNumber {
  const neg = n < 0n;
  let p = absBig(n);
  let q = d;
  if (exp >= 0) p *= pow10(exp);
  else q *= pow10(-exp);
  // Find s with 2^63 <= p / (q * 2^s) < 2^64.
  let s = bitLength(p) - bitLength(q) - 64;
  const scaled = (shift: number): [bigint, bigint] => (shift >= 0 ? [p, q << BigInt(shift)] : [p << BigInt(-shift), q]);
  let [num, den] = scaled(s);
  let m = num / den;
  while (m >= 1n << 64n) {
    s++;
    [num, den] = scaled(s);
    m = num / den;
  }
  while (m < 1n << 63n) {
    s--;
    [num, den] = scaled(s);
    m = num / den;
  }
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (m & 1n) === 1n)) m++;
  if (m === 1n << 64n) {
    m >>= 1n;
    s++;
  }
  // Exact decimal expansion of m * 2^s as D * 10^t, and the half-ulp in the same units.
  let D: bigint;
  let t: number;
  let halfUlpTimes2: bigint; // 2 * (ulp / 2) expressed in units of 10^t
  if (s >= 0) {
    D = m << BigInt(s);
    t = 0;
    halfUlpTimes2 = 1n << BigInt(s);
  } else {
    D = m * 5n ** BigInt(-s);
    t = s;
    halfUlpTimes2 = 5n ** BigInt(-s);
  }
  const inclusive = (m & 1n) === 0n;
  const digits = D.toString();
  const L = digits.length;
  for (let k = 1; k <= L; k++) {
    const unit = pow10(L - k);
    let c = D / unit;
    const rem = D % unit;
    if (rem * 2n >= unit) c++;
    const diff2 = absBig(c * unit - D) * 2n;
    if (diff2 < halfUlpTimes2 || (inclusive && diff2 === halfUlpTimes2)) {
      return RNumber.of(neg ? -c : c, L - k + t);
    }
  }
  return RNumber.of(neg ? -D : D, t);
}
