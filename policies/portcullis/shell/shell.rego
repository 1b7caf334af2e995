# Shell over SSH: destructive, exfiltrating and privilege-escalating commands.
# Input: input.request.commands[], every simple command of the line flattened (pipelines,
# lists, subshells and substitutions included), as documented in policies/README.md.
package portcullis.shell

import data.portcullis.identity

cfg := data.portcullis_config.shell

approvers := data.portcullis_config.groups.shell_approvers

ttl := data.portcullis_config.approval_ttl_seconds.shell

commands := input.request.commands

# `path` is `root` or lies below it.
under(path, root) if path == root

under(path, root) if startswith(path, concat("", [root, "/"]))

# Words that are not options: everything after `--`, and every word not starting with `-`.
operands(args) := [a | some i, a in args; not option_at(args, i)]

option_at(args, i) if {
	startswith(args[i], "-")
	not after_double_dash(args, i)
}

after_double_dash(args, i) if {
	some j, a in args
	a == "--"
	j < i
}

# `/`, `//`, `/*`, `/.`, `/./*`: the root however it is spelled.
is_root(path) if regex.match(`^/[/.*]*$`, path)

# A top-level system folder, with any trailing `/` or `/*`.
is_critical(path) if is_root(path)

# A glob that can expand to a system folder (`/et?`, `/e*`, `/[e]tc`).
is_critical(path) if {
	regex.match(`[*?\[]`, path)
	some folder in cfg.critical_paths
	glob.match(path, ["/"], folder)
}

is_critical(path) if {
	trimmed := trim_right(trim_suffix(path, "*"), "/")
	trimmed in cfg.critical_paths
}

is_critical(path) if path in {"~", "~/", "$HOME", "${HOME}"}

recursive(args) if {
	some a in args
	regex.match(`^-[a-zA-Z]*[rR]`, a)
}

recursive(args) if "--recursive" in args

# --- deny -----------------------------------------------------------------------------

deny contains msg if {
	is_string(input.request.parse_error)
	msg := sprintf("command could not be parsed: %s", [input.request.parse_error])
}

deny contains msg if {
	some c in commands
	c.program.name == "rm"
	recursive(c.args)
	some target in operands(c.args)
	is_critical(target)
	msg := sprintf("rm -r of %s is not allowed", [target])
}

deny contains "rm --no-preserve-root is not allowed" if {
	some c in commands
	c.program.name == "rm"
	"--no-preserve-root" in c.args
}

deny contains msg if {
	some c in commands
	c.program.name in cfg.downloaders
	c.pipes_to_shell == true
	msg := sprintf("piping %s output into a shell is not allowed", [c.program.name])
}

# A shell fed from a pipe runs code nobody has seen, unless the front end could work out
# the text (`echo … | base64 -d | sh`): then the decoded commands are in the line, under a
# `<shell> stdin` wrapper, and judged like any other.
deny contains "piping into a shell is not allowed when what it would run cannot be known" if {
	some c in commands
	c.pipes_to_shell == true
	not shell_input_decoded
}

shell_input_decoded if {
	some c in commands
	some w in c.wrappers
	endswith(w, " stdin")
}

deny contains msg if {
	some c in commands
	c.program.name == "find"
	"-delete" in c.args
	some target in operands(c.args)
	is_critical(target)
	msg := sprintf("find -delete under %s is not allowed", [target])
}

# `… | xargs rm -r`: the targets arrive on stdin at run time, so nobody can check them.
deny contains "rm -r with targets from xargs is not allowed: they cannot be known in advance" if {
	some c in commands
	c.program.name == "rm"
	recursive(c.args)
	"xargs" in c.wrappers
}

# Writes: redirections, and the programs whose operands are files they write.
written contains r.target if {
	some c in commands
	some r in c.redirects
	r.mode in {"write", "append", "readwrite"}
}

written contains target if {
	some c in commands
	c.program.name in {"tee", "truncate", "rm", "chmod", "chown", "chattr", "touch", "mkdir", "rmdir", "shred"}
	some target in operands(c.args)
}

written contains target if {
	some c in commands
	c.program.name in {"cp", "mv", "install", "ln", "rsync", "scp"}
	ops := operands(c.args)
	count(ops) > 1
	target := ops[count(ops) - 1]
}

written contains target if {
	some c in commands
	c.program.name == "sed"
	some a in c.args
	regex.match(`^(-[a-zA-Z]*i|--in-place)`, a)
	some target in operands(c.args)
	startswith(target, "/")
}

written contains target if {
	some c in commands
	c.program.name == "dd"
	some a in c.args
	startswith(a, "of=")
	target := substring(a, 3, -1)
}

deny contains msg if {
	some target in written
	some root in cfg.protected_write_paths
	under(target, root)
	msg := sprintf("writing to %s is not allowed", [target])
}

# Reverse shells: netcat executing a program, bash's /dev/tcp, socat exec.
deny contains msg if {
	some c in commands
	c.program.name in cfg.netcats
	some a in c.args
	netcat_exec(a)
	msg := sprintf("%s %s (reverse shell) is not allowed", [c.program.name, a])
}

netcat_exec(a) if a in {"-c", "--exec", "--sh-exec", "--lua-exec"}

netcat_exec(a) if regex.match(`^-[a-zA-Z]*e`, a)

deny contains "network redirection through /dev/tcp or /dev/udp is not allowed" if {
	some c in commands
	some r in c.redirects
	regex.match(`^/dev/(tcp|udp)/`, r.target)
}

deny contains "network redirection through /dev/tcp or /dev/udp is not allowed" if {
	some c in commands
	some a in c.args
	regex.match(`/dev/(tcp|udp)/`, a)
}

deny contains "socat exec (reverse shell) is not allowed" if {
	some c in commands
	c.program.name == "socat"
	some a in c.args
	regex.match(`(?i)(^|[,:])(exec|system):`, a)
}

privileged(c) if c.program.name in cfg.privilege_programs

privileged(c) if {
	some w in c.wrappers
	w in cfg.privilege_programs
}

deny contains "agents may not run commands with elevated privileges" if {
	identity.is_agent
	some c in commands
	privileged(c)
}

# --- approval -------------------------------------------------------------------------

approvals contains {"approvers": approvers, "min": 1, "reason": reason, "ttl_seconds": ttl} if {
	not identity.is_agent
	some c in commands
	privileged(c)
	reason := "command runs with elevated privileges (sudo)"
}
