/** Shell command → policy input, for the SSH front end. See proxy/ssh/README.md. */
export { describeCommand } from "./describe.js";
export type { Command, CommandInput, Redirect } from "./types.js";
export { FLAG_NAMES, type Flag } from "./flags.js";
