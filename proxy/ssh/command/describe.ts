/**
 * The entry point: a shell command line → the `input.request` of an SSH exec request.
 * Never throws: an unparseable line (or shell code it hands to a shell) is `parse_error`.
 */
import type { CommandInput } from "./types.js";
import { Walker } from "./walk.js";

export function describeCommand(command: string): CommandInput {
  const walker = new Walker();
  try {
    walker.script(String(command), [], false, 0);
  } catch (e) {
    // A bug of ours or a panic inside mvdan-sh: refuse the line, do not crash the session.
    walker.error ??= `internal error while describing the command: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (walker.error !== null) return { command, parse_error: walker.error, commands: [], flags: [] };
  const flags = [...new Set(walker.commands.flatMap((c) => c.flags))].sort();
  return { command, parse_error: null, commands: walker.commands, flags };
}
