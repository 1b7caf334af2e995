/** `portcullis approvals list|show|approve|deny`: the admin API's approvals, from a terminal. */
import { readFileSync } from "node:fs";
import { type Command, UsageError, parseOptions, EXIT_OK, EXIT_PROBLEM } from "../command.js";

const DEFAULT_URL = "http://127.0.0.1:9090";

const HELP = `Usage: portcullis approvals list [--status <s>]
       portcullis approvals show <id>
       portcullis approvals approve <id> [--reason <r>]
       portcullis approvals deny <id> [--reason <r>]

Talks to the gateway's admin API with your OIDC token: approvers vote on the
statements waiting for them (nobody votes on their own request; only members of
the groups the policy lists; min distinct approvers grant; one denial ends it).

Options:
  --url <u>          the admin API (default: $PORTCULLIS_ADMIN_URL or ${DEFAULT_URL})
  --token-file <f>   a file holding your OIDC token (default: $PORTCULLIS_TOKEN)
  --status <s>       list only pending, approved, denied, expired or consumed
  --reason <r>       why you approve or deny (shown to the requester and in the webhook)
  --json             print the API's JSON instead

Exit codes: 0 done, 1 the API refused (bad token, not an approver, unknown id,
already decided) or could not be reached, 2 bad usage.`;

/** Where output goes and what the environment holds; tests pass their own. */
export interface ApprovalsIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

interface Vote {
  sub: string;
  email?: string;
  decision: string;
  reason: string;
  at: string;
}

interface ApprovalView {
  id: string;
  status: string;
  created_at: string;
  expires_at: string;
  mode: string;
  requester: { sub: string; email?: string; groups: string[] };
  connection: string;
  summary: string;
  approval: { approvers: string[]; min: number; reason: string; ttl_seconds: number };
  votes: Vote[];
}

const processIo: ApprovalsIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n") + "\n";
}

function describe(a: ApprovalView): string {
  const lines = [
    `approval ${a.id}: ${a.status}`,
    `  requester   ${a.requester.email ?? a.requester.sub} (sub ${a.requester.sub})`,
    `  connection  ${a.connection} (${a.mode})`,
    `  reason      ${a.approval.reason}`,
    `  needs       ${a.approval.min} of [${a.approval.approvers.join(", ")}], grant valid ${a.approval.ttl_seconds} s`,
    `  created     ${a.created_at}`,
    `  expires     ${a.expires_at}`,
    `  statement   ${a.summary.split("\n").join("\n              ")}`,
  ];
  for (const v of a.votes) lines.push(`  vote        ${v.decision} by ${v.email ?? v.sub} at ${v.at}${v.reason ? `: ${v.reason}` : ""}`);
  return lines.join("\n") + "\n";
}

export async function runApprovals(args: string[], io: ApprovalsIo = processIo): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    url: { type: "string" },
    "token-file": { type: "string" },
    status: { type: "string" },
    reason: { type: "string" },
    json: { type: "boolean", default: false },
  });
  const [action, id, ...rest] = positionals;
  if (action === undefined) throw new UsageError("expected list, show, approve or deny");
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  if (action === "list") {
    if (id !== undefined) throw new UsageError("`approvals list` takes no id (use show)");
  } else if (action === "show" || action === "approve" || action === "deny") {
    if (id === undefined) throw new UsageError(`expected \`approvals ${action} <id>\``);
  } else {
    throw new UsageError(`unknown action ${JSON.stringify(action)}: expected list, show, approve or deny`);
  }
  if (values.status !== undefined && action !== "list") throw new UsageError("--status goes with list");
  if (values.reason !== undefined && action !== "approve" && action !== "deny") throw new UsageError("--reason goes with approve or deny");

  let token: string | undefined;
  if (values["token-file"] !== undefined) {
    try {
      token = readFileSync(values["token-file"], "utf8").trim();
    } catch (e) {
      throw new UsageError(`cannot read --token-file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else {
    token = io.env.PORTCULLIS_TOKEN?.trim();
  }
  if (!token) throw new UsageError("no token: pass --token-file <f> or set PORTCULLIS_TOKEN");

  const base = (values.url ?? io.env.PORTCULLIS_ADMIN_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  let path = "/v1/approvals";
  if (action === "list") {
    const q = new URLSearchParams();
    if (values.status !== undefined) q.set("status", values.status);
    if (q.size > 0) path += `?${q}`;
  } else {
    path += `/${encodeURIComponent(id!)}`;
    if (action !== "show") path += `/${action}`;
  }
  const method = action === "approve" || action === "deny" ? "POST" : "GET";

  let status: number;
  let body: unknown;
  try {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(method === "POST" ? { "content-type": "application/json" } : {}) },
      ...(method === "POST" ? { body: JSON.stringify({ reason: values.reason ?? "" }) } : {}),
      signal: AbortSignal.timeout(15_000),
      redirect: "error",
    });
    status = res.status;
    const text = await res.text();
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = { error: `HTTP ${status}: not a JSON answer` };
    }
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    io.err(`portcullis approvals: cannot reach the admin API at ${base}: ${cause ?? (e as Error).message}\n`);
    return EXIT_PROBLEM;
  }
  if (status < 200 || status > 299) {
    const message = (body as { error?: unknown } | null)?.error;
    io.err(`portcullis approvals: ${typeof message === "string" ? message : `HTTP ${status}`} (HTTP ${status})\n`);
    return EXIT_PROBLEM;
  }
  if (values.json) {
    io.out(JSON.stringify(body, null, 2) + "\n");
    return EXIT_OK;
  }
  if (action === "list") {
    const list = (body as { approvals: ApprovalView[] }).approvals;
    const rows = [["ID", "STATUS", "CREATED", "REQUESTER", "CONNECTION", "VOTES", "STATEMENT"]];
    for (const a of list) {
      const approvals = a.votes.filter((v) => v.decision === "approve").length;
      rows.push([a.id, a.status, a.created_at.slice(0, 19) + "Z", a.requester.email ?? a.requester.sub, a.connection, `${approvals}/${a.approval.min}`, oneLine(a.summary, 60)]);
    }
    io.out(table(rows));
    io.err(`${list.length} approval${list.length === 1 ? "" : "s"}\n`);
    return EXIT_OK;
  }
  const a = body as ApprovalView;
  if (action === "show") io.out(describe(a));
  else {
    const approvals = a.votes.filter((v) => v.decision === "approve").length;
    const more = a.status === "pending" ? ` (${approvals} of ${a.approval.min} approvals so far)` : "";
    io.out(`${action === "approve" ? "approved" : "denied"} ${a.id}: now ${a.status}${more}\n`);
  }
  return EXIT_OK;
}

export const approvalsCommand: Command = {
  name: "approvals",
  summary: "list, show, approve or deny just-in-time approval requests",
  help: HELP,
  run: (args) => runApprovals(args),
};
