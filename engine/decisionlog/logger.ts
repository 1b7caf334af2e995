/**
 * Stage 4: the decision logger the gateway holds: fixed labels and mask configuration,
 * one call per decision. Building the line is synchronous and pure up to the sink; a
 * failure to build one (an input that is not JSON) is counted, never thrown into the
 * decision path.
 */
import { randomUUID } from "node:crypto";
import { buildEvent, encodeEvent, type DecisionEvent, type DecisionRecord } from "./event.js";
import { compileMask, type CompiledMask, type MaskConfig } from "./mask.js";

/** Where lines go: a `LineSink`, or anything with `write(line)` (tests, an HTTP batcher). */
export interface LineWriter {
  write(line: string): boolean | void;
  close?(): Promise<void>;
}

export interface DecisionLoggerOptions {
  sink: LineWriter;
  /** Labels of every line; `id` defaults to a random UUID per logger, `version` to `dev`. */
  labels?: Record<string, string>;
  mask?: MaskConfig;
  /** For tests: fixed clock (nanoseconds since the epoch) and ids. */
  now?: () => bigint;
  newId?: () => string;
}

export interface LogExtra {
  requestedBy?: string;
  reqId?: number;
  decisionId?: string;
}

export class DecisionLogger {
  readonly labels: Readonly<Record<string, string>>;
  private unencodable = 0;

  /** Validates the mask configuration; a bad one is reported as values, with no logger. */
  static create(options: DecisionLoggerOptions): { logger: DecisionLogger; errors: [] } | { logger: null; errors: string[] } {
    const { mask, errors } = compileMask(options.mask ?? {});
    if (errors.length > 0) return { logger: null, errors };
    return { logger: new DecisionLogger(options, mask), errors: [] };
  }

  private constructor(
    private readonly options: DecisionLoggerOptions,
    private readonly mask: CompiledMask,
  ) {
    this.labels = Object.freeze({ id: randomUUID(), version: "dev", ...options.labels });
  }

  /** Logs one decision; returns the event written (its `decision_id` goes to the client), or null. */
  log(decision: DecisionRecord, input: unknown, extra: LogExtra = {}): DecisionEvent | null {
    try {
      const event = buildEvent(decision, {
        labels: this.labels,
        input,
        mask: this.mask,
        ...(this.options.now ? { timestampNs: this.options.now() } : {}),
        ...(extra.decisionId ?? this.options.newId ? { decisionId: extra.decisionId ?? this.options.newId!() } : {}),
        ...(extra.requestedBy !== undefined ? { requestedBy: extra.requestedBy } : {}),
        ...(extra.reqId !== undefined ? { reqId: extra.reqId } : {}),
      });
      this.options.sink.write(encodeEvent(event));
      return event;
    } catch {
      this.unencodable++;
      return null;
    }
  }

  /** Decisions that could not be encoded (input or result not representable as JSON). */
  get failures(): number {
    return this.unencodable;
  }

  close(): Promise<void> {
    return this.options.sink.close?.() ?? Promise.resolve();
  }
}
