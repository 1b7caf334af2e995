/** Every subcommand, in the order `portcullis --help` lists them. */
import type { Command } from "../command.js";
import { checkCommand } from "./check.js";
import { conformanceCommand } from "./conformance.js";
import { startCommand } from "./start.js";
import { serveCommand } from "./serve.js";
import { fmtCommand } from "./fmt.js";
import { testCommand } from "./test.js";
import { buildCommand } from "./build.js";
import { evalCommand } from "./eval.js";
import { verifyCommand } from "./verify.js";
import { replayCommand } from "./replay.js";
import { sessionsCommand } from "./sessions.js";
import { approvalsCommand } from "./approvals.js";
import { kubeconfigCommand } from "./kubeconfig.js";

export const COMMANDS: Command[] = [
  startCommand,
  serveCommand,
  checkCommand,
  fmtCommand,
  testCommand,
  buildCommand,
  evalCommand,
  verifyCommand,
  replayCommand,
  sessionsCommand,
  approvalsCommand,
  kubeconfigCommand,
  conformanceCommand,
];
