/**
 * Stage 6: risk markers on a described command, for policies that prefer a ready-made
 * answer to re-deriving it in Rego. They summarise the command's own fields; the policy
 * library may ignore them and read `program`, `args` and `redirects` instead.
 */
import type { Command } from "./types.js";

/** Every flag this stage can set. */
export const FLAG_NAMES = [
  "args_from_stdin", // run by xargs: more arguments come from stdin at run time
  "dynamic_program", // the program name comes from a substitution or an expansion
  "find_delete", // find … -delete
  "network_redirect", // a redirection or argument naming /dev/tcp/… or /dev/udp/…
  "pipes_to_shell", // output reaches a shell interpreter (mirrors `pipes_to_shell`)
  "privileged", // sudo, su, doas or pkexec as program or wrapper
  "reverse_shell", // nc -e, ncat --sh-exec, socat EXEC:, an interactive shell on /dev/tcp
  "rm_force", // rm -f / --force
  "rm_no_preserve_root", // rm --no-preserve-root
  "rm_recursive", // rm -r / -R / --recursive
  "rm_root", // rm of `/` however spelled (`//`, `/*`, `/.`)
  "writes_etc", // writes a path under /etc
  "writes_system_path", // writes under /etc, /boot, /bin, /sbin, /lib*, /usr
] as const;

export type Flag = (typeof FLAG_NAMES)[number];

const PRIVILEGED = new Set(["sudo", "su", "doas", "pkexec"]);
const NETCATS = new Set(["nc", "ncat", "netcat"]);
const SYSTEM_PATHS = ["/etc", "/boot", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr"];
const FILE_WRITERS = new Set(["tee", "truncate", "rm", "chmod", "chown", "chattr", "touch", "mkdir", "rmdir", "shred", "unlink"]);
const COPIERS = new Set(["cp", "mv", "install", "ln", "rsync", "scp"]);

/** Words that are not options: all after `--`, and those not starting with `-`. */
export function operands(args: string[]): string[] {
  const out: string[] = [];
  let ended = false;
  for (const a of args) {
    if (!ended && a === "--") ended = true;
    else if (ended || !a.startsWith("-") || a === "-") out.push(a);
  }
  return out;
}

function shortOptions(args: string[]): string {
  let letters = "";
  for (const a of args) {
    if (a === "--") break;
    if (/^-[a-zA-Z]+$/.test(a)) letters += a.slice(1);
  }
  return letters;
}

/** Normalise `a//b/./c` so `/etc//passwd` and `/./etc` are seen under /etc. */
function normalise(path: string): string {
  return path.replace(/\/+/g, "/").replace(/\/(\.\/)+/g, "/").replace(/^\/\.$/, "/");
}

function under(path: string, root: string): boolean {
  const p = normalise(path);
  return p === root || p.startsWith(root + "/");
}

/** The paths this command writes: redirections and file-writing programs' operands. */
export function writtenPaths(c: Command): string[] {
  const out = c.redirects.filter((r) => r.mode !== "read" && r.mode !== "dup").map((r) => r.target);
  const ops = operands(c.args);
  const name = c.program.name;
  if (FILE_WRITERS.has(name)) out.push(...ops);
  if (COPIERS.has(name) && ops.length > 1) out.push(ops[ops.length - 1]!);
  if (name === "sed" && c.args.some((a) => /^(-[a-zA-Z]*i|--in-place)/.test(a))) out.push(...ops.filter((o) => o.startsWith("/")));
  if (name === "dd") out.push(...c.args.filter((a) => a.startsWith("of=")).map((a) => a.slice(3)));
  return out;
}

export function computeFlags(c: Command, programSubstituted: boolean): Flag[] {
  const flags = new Set<Flag>();
  const name = c.program.name;
  const args = c.args;
  if (c.program.dynamic || programSubstituted) flags.add("dynamic_program");
  if (c.pipes_to_shell) flags.add("pipes_to_shell");
  if (PRIVILEGED.has(name) || c.wrappers.some((w) => PRIVILEGED.has(w))) flags.add("privileged");
  if (c.wrappers.includes("xargs")) flags.add("args_from_stdin");
  if (name === "find" && args.includes("-delete")) flags.add("find_delete");
  if (name === "rm") {
    const letters = shortOptions(args);
    if (/[rR]/.test(letters) || args.includes("--recursive")) flags.add("rm_recursive");
    if (letters.includes("f") || args.includes("--force")) flags.add("rm_force");
    if (args.includes("--no-preserve-root")) flags.add("rm_no_preserve_root");
    if (operands(args).some((o) => /^\/[/.*]*$/.test(o))) flags.add("rm_root");
  }
  const net = (s: string): boolean => /\/dev\/(tcp|udp)\//.test(s);
  const netRedirect = c.redirects.some((r) => net(r.target));
  if (netRedirect || args.some(net)) flags.add("network_redirect");
  if (NETCATS.has(name) && args.some((a) => ["-c", "--exec", "--sh-exec", "--lua-exec"].includes(a) || /^-[a-zA-Z]*e/.test(a))) {
    flags.add("reverse_shell");
  }
  if (name === "socat" && args.some((a) => /(^|[,:])(exec|system):/i.test(a))) flags.add("reverse_shell");
  if (netRedirect && (isShellName(name) || c.redirects.some((r) => r.mode === "dup"))) flags.add("reverse_shell");
  for (const path of writtenPaths(c)) {
    if (under(path, "/etc")) flags.add("writes_etc");
    if (SYSTEM_PATHS.some((root) => under(path, root))) flags.add("writes_system_path");
  }
  return [...flags].sort();
}

function isShellName(name: string): boolean {
  return ["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "python", "python3", "perl", "php", "ruby"].includes(name);
}
