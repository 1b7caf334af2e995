/**
 * The shape every CLI subcommand has, and the small option parser they share.
 */
import { existsSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

export const EXIT_OK = 0;
/** The work found a problem: a parse error, a failing test, a failing case. */
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

export interface Command {
  name: string;
  /** One line for `portcullis --help`. */
  summary: string;
  /** The full text for `portcullis <name> --help`. */
  help: string;
  run(args: string[]): Promise<number>;
}

/** Thrown by a command for bad usage; `main` prints it with the command's help and exits 2. */
export class UsageError extends Error {}

/** `node:util.parseArgs`, with its errors turned into `UsageError`s. */
export function parseOptions<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
): { values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>["values"]; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Every path must exist; at least one is required. Bad usage (exit 2) otherwise. */
export function requireExistingPaths(paths: readonly (string | undefined)[], atLeastOne = true): void {
  const given = paths.filter((p): p is string => p !== undefined);
  if (atLeastOne && given.length === 0) throw new UsageError("expected at least one file or directory");
  for (const p of given) if (!existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
}
