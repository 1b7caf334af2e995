/** `portcullis replay`: print a recorded session as a readable timeline. */
import { existsSync } from "node:fs";
import { type Command, UsageError, parseOptions, EXIT_OK, EXIT_PROBLEM } from "../command.js";
import { findSession, replay } from "../../proxy/core/recording/index.js";

const HELP = `Usage: portcullis replay <session-id|file> [--dir <d>] [--cast]

Prints a recorded session as a timeline: who connected from where, then each statement
with its time offset, outcome, reasons, row counts, masked values and duration, then the
disconnect with its totals. A session id is looked up under <dir>/<yyyy-mm-dd>/.
Replay does not verify the recording; run \`portcullis verify\` for that.

Options:
  --dir <d>   the recordings folder (default: ./recordings)
  --cast      print the session's terminal recording (.cast, asciicast v2) instead; the
              file also plays with \`asciinema play <file>\`

Exit codes: 0 printed, 1 no such session, 2 bad usage.`;

export const replayCommand: Command = {
  name: "replay",
  summary: "print a recorded session as a timeline",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(args, { dir: { type: "string", default: "recordings" }, cast: { type: "boolean", default: false } });
    if (positionals.length !== 1) throw new UsageError("expected one session id or recording file");
    const target = positionals[0]!;
    let file = existsSync(target) ? target : await findSession(values.dir, target);
    if (file === undefined) {
      process.stderr.write(`portcullis replay: no recording of session ${target} under ${values.dir}\n`);
      return EXIT_PROBLEM;
    }
    if (values.cast) {
      file = file.replace(/\.jsonl$/, "") + ".cast";
      if (!existsSync(file)) {
        process.stderr.write(`portcullis replay: ${file} does not exist (not a terminal session?)\n`);
        return EXIT_PROBLEM;
      }
    }
    process.stdout.write(await replay(file));
    return EXIT_OK;
  },
};
