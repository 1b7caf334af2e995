/**
 * Stage 4: strip prefix commands (`sudo`, `env`, `timeout 5`, `xargs`, …) to find the
 * program that actually runs, and recognise the commands that run a *string* as shell
 * code (`bash -c`, `eval`, `su -c`, `watch`, `env -S`), which describe.ts re-parses.
 *
 * Each wrapper's own options are skipped as that program parses them; an option we do not
 * know is taken as a flag without argument, which at worst names an option's argument as
 * the program (a visible oddity, never a hidden command).
 */
import type { Arg } from "./words.js";

export type Unwrapped =
  /** `argv[0]` is the program; `wrappers` the chain stripped, outermost first. */
  | { kind: "run"; argv: Arg[]; wrappers: string[]; env: Record<string, string> }
  /** `text` is shell code run by the last wrapper in `wrappers`. */
  | { kind: "script"; text: string; dynamic: boolean; wrappers: string[]; env: Record<string, string> };

export const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "rbash"]);

/** Interpreters that read a program from stdin when given none (`curl … | python -`). */
export const INTERPRETERS = new Set([
  "python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "Rscript", "tclsh",
]);

/** Short options taking an argument, per wrapper (separate or attached: `-u root`, `-uroot`). */
const ARG_OPTS: Record<string, string> = {
  sudo: "ugpCDhrtUTR",
  doas: "uC",
  nice: "n",
  ionice: "cnp",
  stdbuf: "ioe",
  timeout: "sk",
  exec: "a",
  time: "of",
  watch: "nd",
  xargs: "ILnPsdEa",
  env: "uCS",
  su: "cgGs",
};

/** Long options taking a separate argument when written without `=`. */
const LONG_ARG_OPTS = new Set([
  "--user", "--group", "--prompt", "--chdir", "--host", "--role", "--type", "--other-user",
  "--close-from", "--command-timeout", "--adjustment", "--class", "--classdata", "--input",
  "--output", "--error", "--signal", "--kill-after", "--format", "--interval", "--arg-file",
  "--delimiter", "--max-args", "--max-lines", "--max-procs", "--max-chars", "--replace",
  "--unset", "--split-string", "--command", "--shell", "--rcfile", "--init-file",
]);

const MAX_STEPS = 32;

export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}

function lit(value: string): Arg {
  return { value, dynamic: false, substituted: false };
}

/** Options of `argv` (after the program) as [option, its argument or null]; `rest` is the first operand index. */
function options(prog: string, argv: Arg[]): { opts: [string, Arg | null][]; rest: number } {
  const withArg = ARG_OPTS[prog] ?? "";
  const opts: [string, Arg | null][] = [];
  let i = 1;
  while (i < argv.length) {
    const a = argv[i]!.value;
    if (a === "--") return { opts, rest: i + 1 };
    if (!a.startsWith("-") || a === "-" || argv[i]!.dynamic) break;
    // `nice -10 cmd`: an adjustment written as a number.
    if (prog === "nice" && /^-\d+$/.test(a)) {
      i++;
      continue;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq >= 0) opts.push([a.slice(0, eq), lit(a.slice(eq + 1))]);
      else if (LONG_ARG_OPTS.has(a)) opts.push([a, argv[++i] ?? null]);
      else opts.push([a, null]);
      i++;
      continue;
    }
    let consumed = false;
    for (let k = 1; k < a.length; k++) {
      const c = a[k]!;
      if (withArg.includes(c)) {
        const attached = a.slice(k + 1);
        opts.push(["-" + c, attached ? lit(attached) : (argv[++i] ?? null)]);
        consumed = true;
        break;
      }
      opts.push(["-" + c, null]);
    }
    void consumed;
    i++;
  }
  return { opts, rest: i };
}

/** Leading `NAME=value` words (after `env` or `sudo`) moved into `env`. */
function takeAssignments(argv: Arg[], from: number, env: Record<string, string>): number {
  let i = from;
  while (i < argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]!.value)) {
    const a = argv[i]!.value;
    const eq = a.indexOf("=");
    env[a.slice(0, eq)] = a.slice(eq + 1);
    i++;
  }
  return i;
}

function has(opts: [string, Arg | null][], ...names: string[]): boolean {
  return opts.some(([o]) => names.includes(o));
}

/** Strip wrappers from `argv` until a program that is not one remains, or shell code is found. */
export function unwrap(argv0: Arg[], wrappers0: string[] = []): Unwrapped {
  let argv = argv0;
  const wrappers = [...wrappers0];
  const env: Record<string, string> = {};
  for (let step = 0; step < MAX_STEPS && argv.length > 0; step++) {
    const first = argv[0]!;
    if (first.dynamic) break;
    const prog = basename(first.value);
    const next = (from: number, name: string = prog): boolean => {
      if (from >= argv.length) return false;
      argv = argv.slice(from);
      wrappers.push(name);
      return true;
    };
    const script = (text: string, dynamic: boolean, name: string): Unwrapped => ({
      kind: "script", text, dynamic, wrappers: [...wrappers, name], env,
    });

    if (SHELLS.has(prog) || prog === "busybox" && argv[1]?.value && SHELLS.has(argv[1].value)) {
      const shellArgv = prog === "busybox" ? argv.slice(1) : argv;
      const name = basename(shellArgv[0]!.value);
      const c = shellCommandString(shellArgv);
      if (c) return script(c.value, c.dynamic, `${name} -c`);
      break;
    }
    switch (prog) {
      case "eval": {
        const rest = argv.slice(1);
        if (rest.length === 0) return { kind: "run", argv, wrappers, env };
        return script(rest.map((a) => a.value).join(" "), rest.some((a) => a.dynamic), "eval");
      }
      case "su": {
        // su accepts options after the user (`su - root -c cmd`): look at every word.
        let cmd: Arg | null = null;
        for (let i = 1; i < argv.length && !cmd; i++) {
          const a = argv[i]!.value;
          if (a === "-c" || a === "--command") cmd = argv[i + 1] ?? null;
          else if (a.startsWith("--command=")) cmd = lit(a.slice("--command=".length));
          else if (/^-[a-zA-Z]*c$/.test(a) && !a.startsWith("--")) cmd = argv[i + 1] ?? null;
        }
        if (cmd) return script(cmd.value, cmd.dynamic, "su");
        return { kind: "run", argv, wrappers, env };
      }
      case "sudo":
      case "doas": {
        const { opts, rest } = options(prog, argv);
        if (has(opts, "-e", "--edit", "-l", "--list", "-v", "--validate", "-k", "-K")) break;
        const from = takeAssignments(argv, rest, env);
        if (!next(from)) break;
        continue;
      }
      case "env": {
        const { opts, rest } = options(prog, argv);
        const split = opts.find(([o]) => o === "-S" || o === "--split-string")?.[1];
        const from = takeAssignments(argv, rest, env);
        if (split) {
          const tail = argv.slice(from).map((a) => a.value);
          return script([split.value, ...tail].join(" "), split.dynamic, "env -S");
        }
        if (!next(from)) break;
        continue;
      }
      case "nohup":
      case "nice":
      case "stdbuf":
      case "time":
      case "exec":
      case "busybox": {
        const { opts, rest } = options(prog, argv);
        if (prog === "busybox" && rest !== 1) break;
        void opts;
        if (!next(rest)) break;
        continue;
      }
      case "ionice": {
        const { opts, rest } = options(prog, argv);
        if (has(opts, "-p", "-P", "-u", "--pid", "--pgid", "--uid")) break;
        if (!next(rest)) break;
        continue;
      }
      case "command": {
        const { opts, rest } = options(prog, argv);
        if (has(opts, "-v", "-V")) break;
        if (!next(rest)) break;
        continue;
      }
      case "timeout": {
        const { rest } = options(prog, argv);
        if (!next(rest + 1)) break;
        continue;
      }
      case "watch": {
        const { opts, rest } = options(prog, argv);
        if (rest >= argv.length) break;
        if (has(opts, "-x", "--exec")) {
          next(rest);
          continue;
        }
        const tail = argv.slice(rest);
        return script(tail.map((a) => a.value).join(" "), tail.some((a) => a.dynamic), "watch");
      }
      case "xargs": {
        const { rest } = options(prog, argv);
        // With no command, xargs runs echo.
        if (rest >= argv.length) {
          argv = [lit("echo")];
          wrappers.push("xargs");
          break;
        }
        next(rest);
        continue;
      }
      default:
        return { kind: "run", argv, wrappers, env };
    }
    break;
  }
  return { kind: "run", argv, wrappers, env };
}

/** The `-c` string of a shell invocation (`bash -xc 'cmd'`, `sh -c -- 'cmd'`), or null. */
export function shellCommandString(argv: Arg[]): Arg | null {
  let c = false;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!.value;
    if (a === "--" || a === "-") {
      i++;
      break;
    }
    if (a.startsWith("--")) {
      if (a === "--rcfile" || a === "--init-file") i++;
      continue;
    }
    if (!/^[-+]/.test(a) || argv[i]!.dynamic) break;
    if (a[0] === "-" && a.slice(1).includes("c")) c = true;
    // `-o option`, `-O shopt` take the next word.
    if (/[oO]/.test(a.slice(1))) i++;
  }
  return c && i < argv.length ? argv[i]! : null;
}

/**
 * Whether this (unwrapped) command reads a program from stdin: a shell or interpreter with
 * no script operand, or with `-s` / `-`.
 */
export function readsScriptFromStdin(argv: Arg[]): boolean {
  if (argv.length === 0 || argv[0]!.dynamic) return false;
  const name = basename(argv[0]!.value);
  const isShell = SHELLS.has(name);
  if (!isShell && !INTERPRETERS.has(name) && !/^python\d/.test(name)) return false;
  const args = argv.slice(1).map((a) => a.value);
  if (args.includes("-") || (isShell && args.some((a) => /^-[a-zA-Z]*s[a-zA-Z]*$/.test(a)))) return true;
  if (isShell && shellCommandString(argv)) return false;
  // `python -c …`, `perl -e …`, `node -e …`, `python -m mod` run code given otherwise.
  if (!isShell && args.some((a) => /^-[a-zA-Z]*[cemE]$/.test(a) || a === "--eval")) return false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") return i + 1 >= args.length;
    if (!a.startsWith("-") && !a.startsWith("+")) return false;
    if (isShell && /^[-+][a-zA-Z]*[oO]$/.test(a)) i++;
  }
  return true;
}
