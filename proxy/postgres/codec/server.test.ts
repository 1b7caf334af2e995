import { Readable } from "node:stream";
import fc from "fast-check";
import { parse as pgParse } from "pg-protocol";
import { describe, expect, it } from "vitest";
import { Framer, allLarge } from "./framer.js";
import { NOTICE_FIELD_CODES, decodeServerMessage, encodeServerMessage, errorResponse, type NoticeFields, type ServerMessage } from "./server.js";

const text = fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.replaceAll("\0", ""));
const name = fc.string({ unit: "grapheme-ascii", maxLength: 12 }).map((s) => s.replaceAll("\0", ""));
const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
const value = fc.option(bytes, { nil: null });
const int16 = fc.integer({ min: -32768, max: 32767 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const oid = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const format = fc.constantFrom(0, 1);

const noticeFields: fc.Arbitrary<NoticeFields> = fc.record(
  Object.fromEntries(NOTICE_FIELD_CODES.map(([, n]) => [n, text])) as Record<keyof NoticeFields, fc.Arbitrary<string>>,
  { requiredKeys: [] },
);

const serverMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.constantFrom<ServerMessage>(
    { type: "AuthenticationOk" },
    { type: "AuthenticationCleartextPassword" },
    { type: "EmptyQueryResponse" },
    { type: "ParseComplete" },
    { type: "BindComplete" },
    { type: "CloseComplete" },
    { type: "NoData" },
    { type: "PortalSuspended" },
    { type: "CopyDone" },
  ),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((s) => ({ type: "AuthenticationMD5Password", salt: Buffer.from(s) }) as const),
  fc.array(name.filter((s) => s !== ""), { maxLength: 3 }).map((mechanisms) => ({ type: "AuthenticationSASL", mechanisms }) as const),
  bytes.map((data) => ({ type: "AuthenticationSASLContinue", data }) as const),
  bytes.map((data) => ({ type: "AuthenticationSASLFinal", data }) as const),
  fc.tuple(name, text).map(([n, v]) => ({ type: "ParameterStatus", name: n, value: v }) as const),
  fc.tuple(int32, fc.uint8Array({ minLength: 4, maxLength: 256 })).map(([processId, k]) => ({ type: "BackendKeyData", processId, secretKey: Buffer.from(k) }) as const),
  fc.constantFrom("I" as const, "T" as const, "E" as const).map((status) => ({ type: "ReadyForQuery", status }) as const),
  noticeFields.map((fields) => ({ type: "ErrorResponse", fields }) as const),
  noticeFields.map((fields) => ({ type: "NoticeResponse", fields }) as const),
  fc
    .array(
      fc.record({ name: text, tableOid: oid, columnAttr: int16, typeOid: oid, typeSize: int16, typeModifier: int32, format }),
      { maxLength: 5 },
    )
    .map((fields) => ({ type: "RowDescription", fields }) as const),
  fc.array(value, { maxLength: 6 }).map((values) => ({ type: "DataRow", values }) as const),
  text.map((tag) => ({ type: "CommandComplete", tag }) as const),
  fc.array(oid, { maxLength: 6 }).map((typeOids) => ({ type: "ParameterDescription", typeOids }) as const),
  fc
    .tuple(fc.constantFrom("CopyInResponse" as const, "CopyOutResponse" as const, "CopyBothResponse" as const), format, fc.array(format, { maxLength: 5 }))
    .map(([type, f, columnFormats]) => ({ type, format: f, columnFormats }) as const),
  bytes.map((data) => ({ type: "CopyData", data }) as const),
  fc.tuple(int32, text, text).map(([processId, channel, payload]) => ({ type: "NotificationResponse", processId, channel, payload }) as const),
  value.map((result) => ({ type: "FunctionCallResponse", result }) as const),
  fc.tuple(int32, fc.array(name, { maxLength: 3 })).map(([newestMinor, unsupportedOptions]) => ({ type: "NegotiateProtocolVersion", newestMinor, unsupportedOptions }) as const),
);

function decodeStream(wire: Buffer, cuts: number[] = []) {
  const framer = new Framer({ isLarge: allLarge });
  const out: unknown[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < wire.length).sort((a, b) => a - b), wire.length]) {
    const r = framer.feed(wire.subarray(at, cut));
    at = cut;
    for (const f of r.frames) {
      const d = decodeServerMessage(f);
      out.push(d.ok ? d.message : d.error);
    }
    if (r.error) {
      out.push(r.error);
      break;
    }
  }
  return out;
}

async function pgProtocolNames(wire: Buffer): Promise<string[]> {
  const names: string[] = [];
  await pgParse(Readable.from([wire]), (m) => names.push(m.name));
  return names;
}

describe("server message codec", () => {
  it("round-trips every message type through encode → frame → decode", () => {
    fc.assert(
      fc.property(serverMessage, (m) => {
        expect(decodeStream(encodeServerMessage(m))).toEqual([m]);
      }),
      { numRuns: 2000 },
    );
  });

  it("writes messages that pg-protocol's parser (an independent decoder) reads the same way", async () => {
    const wire = Buffer.concat([
      encodeServerMessage({ type: "AuthenticationOk" }),
      encodeServerMessage({ type: "ParameterStatus", name: "server_version", value: "15.0" }),
      encodeServerMessage({ type: "BackendKeyData", processId: 7, secretKey: Buffer.from([1, 2, 3, 4]) }),
      encodeServerMessage({ type: "ReadyForQuery", status: "I" }),
      encodeServerMessage({
        type: "RowDescription",
        fields: [{ name: "n", tableOid: 0, columnAttr: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 }],
      }),
      encodeServerMessage({ type: "DataRow", values: [Buffer.from("1"), null] }),
      encodeServerMessage({ type: "CommandComplete", tag: "SELECT 1" }),
      errorResponse("42501", "denied by policy", { detail: "reason: no DROP", hint: "ask", position: "3" }),
      encodeServerMessage({ type: "AuthenticationSASL", mechanisms: ["SCRAM-SHA-256"] }),
      encodeServerMessage({ type: "CopyInResponse", format: 0, columnFormats: [0, 0] }),
    ]);
    const seen: Record<string, unknown>[] = [];
    await pgParse(Readable.from([wire]), (m) => seen.push(m as unknown as Record<string, unknown>));
    expect(seen.map((m) => m.name)).toEqual([
      "authenticationOk",
      "parameterStatus",
      "backendKeyData",
      "readyForQuery",
      "rowDescription",
      "dataRow",
      "commandComplete",
      "error",
      "authenticationSASL",
      "copyInResponse",
    ]);
    expect(seen[7]).toMatchObject({ severity: "ERROR", code: "42501", message: "denied by policy", detail: "reason: no DROP", hint: "ask", position: "3" });
    expect(seen[5]).toMatchObject({ fields: ["1", null] });
    expect(seen[8]).toMatchObject({ mechanisms: ["SCRAM-SHA-256"] });
    expect(await pgProtocolNames(encodeServerMessage({ type: "NoData" }))).toEqual(["noData"]);
  });

  it("yields the same messages however a valid stream is split", () => {
    fc.assert(
      fc.property(fc.array(serverMessage, { minLength: 1, maxLength: 6 }), fc.array(fc.nat({ max: 2000 }), { maxLength: 8 }), (ms, cuts) => {
        const wire = Buffer.concat(ms.map(encodeServerMessage));
        expect(decodeStream(wire, cuts)).toEqual(ms);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on random or corrupted bytes; failures are protocol_violation values", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
          fc.tuple(serverMessage, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, pos, b]) => {
            const w = Buffer.from(encodeServerMessage(m));
            w[pos % w.length] = b;
            return w;
          }),
          fc.tuple(serverMessage, fc.nat()).map(([m, cut]) => {
            const w = encodeServerMessage(m);
            return w.subarray(0, cut % w.length);
          }),
        ),
        fc.array(fc.nat({ max: 300 }), { maxLength: 10 }),
        (wire, cuts) => {
          for (const item of decodeStream(wire, cuts)) {
            if (item && typeof item === "object" && "code" in item) expect(item).toMatchObject({ code: "protocol_violation", message: expect.any(String) });
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("rejects malformed server bodies", () => {
    const d = (type: string, body: number[] | Buffer) => decodeServerMessage({ type, body: Buffer.from(body) });
    expect(d("Z", [0x58])).toMatchObject({ ok: false, error: { message: expect.stringMatching(/transaction status/) } });
    expect(d("R", [0, 0, 0, 7])).toMatchObject({ ok: false, error: { message: expect.stringMatching(/unsupported authentication/) } });
    expect(d("E", Buffer.from("SERROR\0"))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/field type/) } });
    expect(d("D", [0, 2, 0, 0, 0, 1, 0x31])).toMatchObject({ ok: false, error: { message: expect.stringMatching(/past the end/) } });
    expect(d("v", [0, 0, 0, 0, 0x7f, 0, 0, 0])).toMatchObject({ ok: false, error: { message: expect.stringMatching(/option count/) } });
    expect(decodeServerMessage({ type: null, body: Buffer.alloc(4) })).toMatchObject({ ok: false });
  });
});
