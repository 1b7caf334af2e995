/** Every subcommand, in the order `portcullis --help` lists them. */
import type { Command } from "../command.js";

export const COMMANDS: Command[] = [];
