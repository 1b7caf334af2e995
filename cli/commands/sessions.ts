/** `portcullis sessions list`: the recorded sessions, newest last. */
import { type Command, UsageError, parseOptions, EXIT_OK } from "../command.js";
import { listSessions, nowNs, parseSince } from "../../proxy/core/recording/index.js";

const HELP = `Usage: portcullis sessions list [--dir <d>] [--since <time>] [--identity <sub|email>] [--json]

Lists the sessions recorded under <dir> (built by scanning the recordings):
  started  ended  identity  connection  statements  denied  id

Options:
  --dir <d>          the recordings folder (default: ./recordings)
  --since <time>     sessions started at or after an RFC 3339 time, a day (2025-01-02,
                     UTC) or an age (90m, 24h, 7d, 2w)
  --identity <id>    sessions of this identity: its sub, or its email (any case)
  --json             print [{id, identity, sub, connection, started, ended?, statements,
                     denied, file}] instead

Exit codes: 0 listed (possibly none), 2 bad usage.`;

export const sessionsCommand: Command = {
  name: "sessions",
  summary: "list recorded sessions",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      dir: { type: "string", default: "recordings" },
      since: { type: "string" },
      identity: { type: "string" },
      json: { type: "boolean", default: false },
    });
    if (positionals.length !== 1 || positionals[0] !== "list") throw new UsageError("expected `sessions list`");
    let since: bigint | undefined;
    if (values.since !== undefined) {
      since = parseSince(values.since, nowNs());
      if (since === undefined) throw new UsageError(`--since: cannot read ${JSON.stringify(values.since)} as a time, a day or an age`);
    }
    const sessions = await listSessions(values.dir, { ...(since !== undefined ? { since } : {}), ...(values.identity !== undefined ? { identity: values.identity } : {}) });
    if (values.json) {
      process.stdout.write(JSON.stringify(sessions, null, 2) + "\n");
      return EXIT_OK;
    }
    const rows = [["STARTED", "ENDED", "IDENTITY", "CONNECTION", "STATEMENTS", "DENIED", "ID"]];
    for (const s of sessions) rows.push([s.started.slice(0, 19) + "Z", s.ended ? s.ended.slice(0, 19) + "Z" : "-", s.identity, s.connection, String(s.statements), String(s.denied), s.id]);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) process.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ") + "\n");
    process.stderr.write(`${sessions.length} session${sessions.length === 1 ? "" : "s"}\n`);
    return EXIT_OK;
  },
};
