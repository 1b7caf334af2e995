/**
 * The shell request input: what `describeCommand` returns, and what the SSH front end puts
 * at `input.request`. The contract is in policies/README.md ("Shell"); the fields marked
 * "addition" are ours and documented in proxy/ssh/README.md.
 */

/** One redirection of a simple command. */
export interface Redirect {
  /** The file descriptor redirected (`2>` is 2; `<`, heredocs are 0; `>`, `&>` are 1). */
  fd: number;
  /** `read`, `write`, `append`, `readwrite` or `dup` (policies/README.md). Heredocs and here-strings are `read`. */
  mode: "read" | "write" | "append" | "readwrite" | "dup";
  /** The file (or fd number for `dup`); for a heredoc its body, for a here-string its word. */
  target: string;
  /** Addition: the operator as written (`>`, `>>`, `&>`, `<<`, `<<<`, `2>&1` is `>&`). */
  op: string;
}

/** One simple command that would run. */
export interface Command {
  program: {
    /** The command word after quote removal and decoding, without its directory. */
    name: string;
    /** The word as written when it contains a `/`, else `null`. */
    path: string | null;
    /** Addition: the word holds a runtime expansion we could not resolve. */
    dynamic: boolean;
  };
  args: string[];
  env: Record<string, string>;
  redirects: Redirect[];
  /** Prefix commands stripped to find `program`, outermost first (`["sudo", "bash -c"]`). */
  wrappers: string[];
  /** This command's output reaches a shell interpreter (pipe, `-c` substitution, `<(…)`). */
  pipes_to_shell: boolean;
  /** Addition: some word (program or argument) keeps an unresolved runtime expansion. */
  dynamic: boolean;
  /** Addition: sorted risk markers computed by flags.ts (see FLAG_NAMES there). */
  flags: string[];
}

/** The whole request. */
export interface CommandInput {
  command: string;
  /** `null`, or why the line (or a string it hands to a shell) could not be parsed. */
  parse_error: string | null;
  commands: Command[];
  /** Addition: the union of every command's flags, sorted. */
  flags: string[];
}
