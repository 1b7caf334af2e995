/**
 * The `Decider` every front end calls: evaluates the active (hot-reloaded) policy,
 * validates its decision document, logs the decision, and fails closed on anything
 * short of a well-formed decision (no policy loaded, an evaluation error, undefined,
 * malformed). Protocol-free.
 */
import { randomUUID } from "node:crypto";
import type { Decision as WatchDecision } from "../../engine/watch/index.js";
import type { DecisionLogger } from "../../engine/decisionlog/index.js";
import { outcomeOf, toDecision, type Decider, type DecisionRecord, type PolicyInput } from "./contracts.js";

/** What the decider needs of a policy source: the `PolicyWatcher`'s `evaluate`. */
export interface PolicySource {
  evaluate(input: unknown, entrypoint?: string): WatchDecision;
}

export interface PolicyDeciderOptions {
  /** Decision-log sink; every decision is logged with its id and the revision that made it. */
  log?: Pick<DecisionLogger, "log">;
  /** Defaults to the source's first entrypoint. */
  entrypoint?: string;
  newId?: () => string;
}

export class PolicyDecider implements Decider {
  constructor(
    private readonly source: PolicySource,
    private readonly options: PolicyDeciderOptions = {},
  ) {}

  async decide(input: PolicyInput): Promise<DecisionRecord> {
    const evaluated = this.source.evaluate(input, this.options.entrypoint);
    const decisionId = (this.options.newId ?? randomUUID)();
    const decision = evaluated.error
      ? { allow: false, deny: [`policy evaluation failed (${evaluated.error.code}): ${evaluated.error.message}`], approval: null, mask: [] }
      : toDecision(evaluated.result);
    this.options.log?.log(evaluated, input, { decisionId });
    return { decision_id: decisionId, revision: evaluated.revision ?? "none", decision, outcome: outcomeOf(decision) };
  }
}
