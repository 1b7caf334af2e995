import fc from "fast-check";
import { serialize } from "pg-protocol";
import { describe, expect, it } from "vitest";
import { decodeClientMessage, encodeClientMessage, type AuthExpectation, type ClientMessage } from "./client.js";
import { Framer, type Frame } from "./framer.js";

const text = fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.replaceAll("\0", ""));
const name = fc.string({ unit: "grapheme-ascii", maxLength: 12 }).map((s) => s.replaceAll("\0", ""));
const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
const value = fc.option(bytes, { nil: null });
const format = fc.constantFrom(0, 1);
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const oid = fc.integer({ min: 0, max: 2 ** 32 - 1 });

/** Every client message type, with the auth expectation needed to decode a 'p' message. */
const clientMessage: fc.Arbitrary<[ClientMessage, AuthExpectation | undefined]> = fc.oneof(
  fc
    .dictionary(name.filter((s) => s !== ""), text, { maxKeys: 5 })
    .map((p) => [{ type: "Startup", major: 3, minor: 0, parameters: Object.assign(Object.create(null), p) }, undefined] as const),
  fc.constant([{ type: "SSLRequest" }, undefined] as const),
  fc.constant([{ type: "GSSENCRequest" }, undefined] as const),
  fc
    .tuple(int32, fc.uint8Array({ minLength: 4, maxLength: 256 }))
    .map(([processId, k]) => [{ type: "CancelRequest", processId, secretKey: Buffer.from(k) }, undefined] as const),
  text.map((sql) => [{ type: "Query", sql }, undefined] as const),
  fc.tuple(name, text, fc.array(oid, { maxLength: 5 })).map(([n, sql, paramTypes]) => [{ type: "Parse", name: n, sql, paramTypes }, undefined] as const),
  fc
    .tuple(name, name, fc.array(value, { maxLength: 5 }), fc.array(format, { maxLength: 4 }), fc.constantFrom("none", "one", "each"))
    .chain(([portal, statement, params, resultFormats, fmts]) =>
      (fmts === "none" ? fc.constant([]) : fmts === "one" ? fc.tuple(format) : fc.array(format, { minLength: params.length, maxLength: params.length })).map(
        (paramFormats) => [{ type: "Bind", portal, statement, paramFormats, params, resultFormats }, undefined] as const,
      ),
    ),
  fc.tuple(fc.constantFrom("S" as const, "P" as const), name).map(([t, n]) => [{ type: "Describe", target: t, name: n }, undefined] as const),
  fc.tuple(name, int32).map(([portal, maxRows]) => [{ type: "Execute", portal, maxRows }, undefined] as const),
  fc.constant([{ type: "Sync" }, undefined] as const),
  fc.constant([{ type: "Flush" }, undefined] as const),
  fc.tuple(fc.constantFrom("S" as const, "P" as const), name).map(([t, n]) => [{ type: "Close", target: t, name: n }, undefined] as const),
  bytes.map((data) => [{ type: "CopyData", data }, undefined] as const),
  fc.constant([{ type: "CopyDone" }, undefined] as const),
  text.map((message) => [{ type: "CopyFail", message }, undefined] as const),
  fc
    .tuple(oid, fc.array(format, { maxLength: 3 }), fc.array(value, { maxLength: 3 }), format)
    .map(([functionOid, argFormats, args, resultFormat]) => [{ type: "FunctionCall", functionOid, argFormats, args, resultFormat }, undefined] as const),
  fc.constant([{ type: "Terminate" }, undefined] as const),
  text.map((password) => [{ type: "PasswordMessage", password }, "password"] as const),
  fc.tuple(name, value).map(([mechanism, data]) => [{ type: "SASLInitialResponse", mechanism, data }, "sasl-initial"] as const),
  bytes.map((data) => [{ type: "SASLResponse", data }, "sasl"] as const),
) as fc.Arbitrary<[ClientMessage, AuthExpectation | undefined]>;

const isStartupPhase = (m: ClientMessage) => ["Startup", "SSLRequest", "GSSENCRequest", "CancelRequest"].includes(m.type);

function frameAll(bytes: Buffer, startup: boolean, cuts: number[] = []): { frames: Frame[]; error?: unknown } {
  const framer = new Framer({ startup });
  const frames: Frame[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    const r = framer.feed(bytes.subarray(at, cut));
    frames.push(...r.frames);
    at = cut;
    if (r.error) return { frames, error: r.error };
  }
  return { frames };
}

describe("client message codec", () => {
  it("round-trips every message type through encode → frame → decode", () => {
    fc.assert(
      fc.property(clientMessage, ([m, auth]) => {
        const { frames, error } = frameAll(encodeClientMessage(m), isStartupPhase(m));
        expect(error).toBeUndefined();
        expect(frames).toHaveLength(1);
        const decoded = decodeClientMessage(frames[0]!, { auth });
        expect(decoded).toEqual({ ok: true, message: m });
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes what pg-protocol's serializer writes (an independent encoder)", () => {
    const wire = Buffer.concat([
      serialize.startup({ user: "alice", database: "test", application_name: "psql" }),
      serialize.query("SELECT 1"),
      serialize.parse({ name: "s1", text: "SELECT $1::int", types: [23] }),
      serialize.bind({ portal: "p", statement: "s1", values: ["42", null], valueMapper: undefined }),
      serialize.describe({ type: "P", name: "p" }),
      serialize.execute({ portal: "p", rows: 10 }),
      serialize.sync(),
      serialize.flush(),
      serialize.close({ type: "S", name: "s1" }),
      serialize.copyData(Buffer.from("1\t2\n")),
      serialize.copyDone(),
      serialize.copyFail("nope"),
      serialize.end(),
    ]);
    const framer = new Framer({ startup: true });
    const { frames, error } = framer.feed(wire);
    expect(error).toBeUndefined();
    const types = frames.map((f) => decodeClientMessage(f)).map((r) => (r.ok ? r.message.type : r.error.message));
    expect(types).toEqual(["Startup", "Query", "Parse", "Bind", "Describe", "Execute", "Sync", "Flush", "Close", "CopyData", "CopyDone", "CopyFail", "Terminate"]);
    const bind = decodeClientMessage(frames[3]!);
    expect(bind.ok && bind.message.type === "Bind" && bind.message.params).toEqual([Buffer.from("42"), null]);
    const startup = decodeClientMessage(frames[0]!);
    expect(startup.ok && startup.message.type === "Startup" && { ...startup.message.parameters }).toEqual({ user: "alice", database: "test", application_name: "psql", client_encoding: "UTF8" });
    const pw = serialize.password("secret");
    const decoded = decodeClientMessage(new Framer().feed(pw).frames[0]!, { auth: "password" });
    expect(decoded).toEqual({ ok: true, message: { type: "PasswordMessage", password: "secret" } });
  });

  it("yields the same messages however a valid stream is split, at every offset", () => {
    fc.assert(
      fc.property(fc.array(clientMessage.filter(([m, a]) => !isStartupPhase(m) && a === undefined), { minLength: 1, maxLength: 6 }), (ms) => {
        const wire = Buffer.concat([encodeClientMessage({ type: "Startup", major: 3, minor: 0, parameters: { user: "u" } }), ...ms.map(([m]) => encodeClientMessage(m))]);
        const whole = frameAll(wire, true);
        expect(whole.error).toBeUndefined();
        expect(whole.frames).toHaveLength(ms.length + 1);
        for (let cut = 1; cut < wire.length; cut++) {
          const split = frameAll(wire, true, [cut]);
          expect(split).toEqual(whole);
        }
        // And byte by byte.
        const byByte = frameAll(wire, true, Array.from({ length: wire.length }, (_, i) => i));
        expect(byByte).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it("never throws on random bytes in random chunks: messages or a protocol_violation", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 10 }),
        fc.constantFrom<AuthExpectation | undefined>(undefined, "password", "sasl-initial", "sasl"),
        (startup, raw, cuts, auth) => {
          const { frames, error } = frameAll(Buffer.from(raw), startup, cuts);
          if (error !== undefined) expect(error).toMatchObject({ code: "protocol_violation", message: expect.any(String) });
          for (const f of frames) {
            const r = decodeClientMessage(f, { auth });
            if (!r.ok) expect(r.error.code).toBe("protocol_violation");
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("never throws on truncated or corrupted valid frames", () => {
    fc.assert(
      fc.property(clientMessage, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), ([m, auth], cut, pos, byte) => {
        const wire = encodeClientMessage(m);
        const corrupted = Buffer.from(wire);
        corrupted[pos % wire.length] = byte;
        for (const bytes of [wire.subarray(0, cut % (wire.length + 1)), corrupted]) {
          const { frames, error } = frameAll(bytes, isStartupPhase(m), [cut % 7]);
          if (error !== undefined) expect(error).toMatchObject({ code: "protocol_violation" });
          for (const f of frames) {
            const r = decodeClientMessage(f, { auth });
            expect(typeof r.ok).toBe("boolean");
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("client framing limits and malformed bodies", () => {
  const header = (type: string, length: number) => {
    const b = Buffer.alloc(5);
    b.write(type, 0, "latin1");
    b.writeInt32BE(length, 1);
    return b;
  };

  it("rejects negative, too-small and oversized lengths before buffering the body", () => {
    expect(new Framer().feed(header("Q", -1)).error?.message).toMatch(/invalid length -1/);
    expect(new Framer().feed(header("Q", 3)).error?.message).toMatch(/invalid length 3/);
    expect(new Framer().feed(header("S", 20_000)).error?.message).toMatch(/exceeds the limit of 10000/);
    expect(new Framer().feed(header("d", 0x40000000)).error?.message).toMatch(/exceeds the limit/);
    // A large message within the limit is simply awaited.
    expect(new Framer().feed(header("d", 0x3fffffff))).toEqual({ frames: [] });
    expect(new Framer({ maxLargeLength: 100 }).feed(header("Q", 101)).error?.message).toMatch(/limit of 100/);
    const startup = Buffer.alloc(4);
    startup.writeInt32BE(10_001);
    expect(new Framer({ startup: true }).feed(startup).error?.message).toMatch(/startup packet/);
  });

  it("stays failed after a violation", () => {
    const f = new Framer();
    expect(f.feed(header("Q", 2)).error).toBeDefined();
    expect(f.feed(encodeClientMessage({ type: "Sync" })).error).toBeDefined();
  });

  it("reports malformed bodies as protocol_violation values", () => {
    const decode = (type: string, body: Buffer, auth?: AuthExpectation) => decodeClientMessage({ type, body }, { auth });
    expect(decode("Q", Buffer.from("SELECT 1"))).toMatchObject({ ok: false, error: { code: "protocol_violation", message: expect.stringMatching(/NUL terminator/) } });
    expect(decode("Q", Buffer.from("SELECT 1\0x"))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/trailing/) } });
    expect(decode("Q", Buffer.from([0xff, 0xfe, 0]))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/UTF-8/) } });
    // Bind claiming 3 parameters but carrying one.
    const bind = Buffer.concat([Buffer.from("\0\0"), Buffer.from([0, 0, 0, 3, 0, 0, 0, 1, 0x31])]);
    expect(decode("B", bind)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/past the end/) } });
    // Bind with a length below -1.
    const bad = Buffer.concat([Buffer.from("\0\0"), Buffer.from([0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0])]);
    expect(decode("B", bad)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/invalid length -2/) } });
    expect(decode("D", Buffer.from("Xname\0"))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/target/) } });
    expect(decode("p", Buffer.from("pw\0"))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/outside authentication/) } });
    expect(decode("?", Buffer.alloc(0))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/invalid frontend message type/) } });
    expect(decode("S", Buffer.from([1]))).toMatchObject({ ok: false });
    const v2 = Buffer.alloc(4);
    v2.writeInt32BE(2 << 16);
    expect(decodeClientMessage({ type: null, body: Buffer.concat([v2, Buffer.from([0])]) })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/protocol 2\.0/) } });
  });

  it("keeps expecting a startup packet after SSLRequest/GSSENCRequest and reports pending bytes", () => {
    const ssl = encodeClientMessage({ type: "SSLRequest" });
    const startup = encodeClientMessage({ type: "Startup", major: 3, minor: 0, parameters: { user: "u" } });
    const f = new Framer({ startup: true });
    const r = f.feed(Buffer.concat([ssl, startup.subarray(0, 3)]));
    expect(r.frames.map((x) => decodeClientMessage(x))).toEqual([{ ok: true, message: { type: "SSLRequest" } }]);
    // Bytes sent ahead of a TLS handshake are visible to the caller, which must refuse them.
    expect(f.pendingBytes).toBe(3);
    expect(f.expectingStartup).toBe(true);
    const r2 = f.feed(startup.subarray(3));
    expect(r2.frames).toHaveLength(1);
    expect(f.expectingStartup).toBe(false);
  });

  it("encodes a NUL inside a string as U+FFFD rather than corrupting the frame", () => {
    const wire = encodeClientMessage({ type: "Query", sql: "SELECT 1\0; DROP TABLE t" });
    const r = decodeClientMessage(new Framer().feed(wire).frames[0]!);
    expect(r).toEqual({ ok: true, message: { type: "Query", sql: "SELECT 1\uFFFD; DROP TABLE t" } });
  });
});
