/**
 * Tells people about approvals: a JSON POST on every new request and every outcome, with a
 * Slack-compatible `text` (so a Slack or Mattermost incoming-webhook URL works as is).
 *
 * Delivery runs beside the data path: `notify` only queues and returns; a failed POST
 * (network error, timeout, non-2xx) is retried with exponential backoff, then dropped with
 * a note to `onError`. The queue is bounded so a dead endpoint cannot grow memory.
 */
import type { ApprovalRecord } from "./types.js";

export type WebhookEvent = "approval.requested" | "approval.approved" | "approval.denied" | "approval.expired" | "approval.consumed";

/** The POSTed body. */
export interface WebhookPayload {
  event: WebhookEvent;
  text: string;
  approval: ApprovalRecord;
}

export interface WebhookOptions {
  url: string;
  /** Per attempt. Default 5000 ms. */
  timeoutMs?: number;
  /** Attempts in all, at least 1. Default 5. */
  attempts?: number;
  /** First retry delay, doubled each time. Default 500 ms. */
  backoffMs?: number;
  /** Queued deliveries beyond this are dropped. Default 1000. */
  maxQueue?: number;
  /** Where delivery failures are reported (never thrown). Default: stderr. */
  onError?: (message: string) => void;
}

export interface Webhook {
  notify(event: WebhookEvent, approval: ApprovalRecord): void;
  /** Resolves when everything queued so far has been delivered or given up. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** One line a human reads in a chat channel. */
export function webhookText(event: WebhookEvent, r: ApprovalRecord): string {
  const who = r.requester.email ?? r.requester.sub;
  const summary = r.summary.length > 300 ? `${r.summary.slice(0, 300)}…` : r.summary;
  const lastVote = r.votes[r.votes.length - 1];
  const by = lastVote ? ` by ${lastVote.email ?? lastVote.sub}${lastVote.reason ? ` (${lastVote.reason})` : ""}` : "";
  switch (event) {
    case "approval.requested":
      return `Approval ${r.id} requested by ${who} on ${r.connection}: ${r.approval.reason}\n\`${summary}\`\nNeeds ${r.approval.min} of [${r.approval.approvers.join(", ")}] before ${r.expires_at}: portcullis approvals approve ${r.id}`;
    case "approval.approved":
      return `Approval ${r.id} approved${by} for ${who} on ${r.connection} (valid until ${r.expires_at})`;
    case "approval.denied":
      return `Approval ${r.id} denied${by} for ${who} on ${r.connection}`;
    case "approval.expired":
      return `Approval ${r.id} expired (${who} on ${r.connection})`;
    case "approval.consumed":
      return `Approval ${r.id} used by ${who} on ${r.connection}`;
  }
}

export function createWebhook(options: WebhookOptions): Webhook {
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoff = options.backoffMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxQueue = options.maxQueue ?? 1000;
  const report = options.onError ?? ((m: string) => process.stderr.write(`portcullis: webhook: ${m}\n`));
  const queue: WebhookPayload[] = [];
  const sleeping = new Map<NodeJS.Timeout, () => void>();
  let running: Promise<void> | undefined;
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        sleeping.delete(t);
        resolve();
      }, ms);
      sleeping.set(t, resolve);
    });

  const post = async (body: string): Promise<void> => {
    const res = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  };

  const deliver = async (payload: WebhookPayload): Promise<void> => {
    const body = JSON.stringify(payload);
    for (let i = 1; ; i++) {
      try {
        await post(body);
        return;
      } catch (e) {
        if (i >= attempts || closed) {
          report(`${payload.event} ${payload.approval.id} not delivered after ${i} attempt${i === 1 ? "" : "s"}: ${(e as Error).message}`);
          return;
        }
        await sleep(backoff * 2 ** (i - 1));
        if (closed) return;
      }
    }
  };

  /** One delivery at a time, in order, so a channel never shows an outcome before its request. */
  const pump = async (): Promise<void> => {
    // Started on the next turn: `notify` returns before any network work begins.
    await new Promise<void>((r) => setImmediate(r));
    while (queue.length > 0 && !closed) await deliver(queue.shift()!);
    running = undefined;
  };

  return {
    notify(event, approval) {
      if (closed) return;
      if (queue.length >= maxQueue) {
        report(`queue full, dropped ${event} ${approval.id}`);
        return;
      }
      queue.push({ event, text: webhookText(event, approval), approval });
      running ??= pump();
    },
    async flush() {
      while (running) await running;
    },
    async close() {
      closed = true;
      queue.length = 0;
      // Wake sleeping retries so they see `closed` and stop.
      for (const [t, wake] of sleeping) {
        clearTimeout(t);
        wake();
      }
      sleeping.clear();
    },
  };
}
