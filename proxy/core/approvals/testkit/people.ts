/**
 * Test helpers: real OIDC tokens from the demo issuer, verified by the real Authenticator,
 * so tests exercise the identities the gateway would see (not hand-made objects).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Authenticator, Identity } from "../../contracts.js";
import { createAuthenticator, createDemoIssuer, type DemoIssuer, type MintOptions } from "../../identity/index.js";

export interface People {
  issuer: DemoIssuer;
  authenticator: Authenticator;
  token(who: MintOptions): Promise<string>;
  identity(who: MintOptions): Promise<Identity>;
}

export async function people(): Promise<People> {
  const issuer = await createDemoIssuer({ issuer: "https://idp.test", audience: "portcullis" });
  const authenticator = createAuthenticator({ providers: [issuer.provider()] });
  const token = (who: MintOptions) => issuer.mint(who);
  const identity = async (who: MintOptions): Promise<Identity> => {
    const r = await authenticator.authenticate(await token(who));
    if ("error" in r) throw new Error(r.error);
    return r.identity;
  };
  return { issuer, authenticator, token, identity };
}

export const ALICE: MintOptions = { sub: "alice", email: "alice@example.com", groups: ["dev"] };
export const BOB: MintOptions = { sub: "bob", email: "bob@example.com", groups: ["dba"] };
export const CAROL: MintOptions = { sub: "carol", email: "carol@example.com", groups: ["dba", "dev"] };
export const DAVE: MintOptions = { sub: "dave", email: "dave@example.com", groups: ["dev"] };
export const AGENT: MintOptions = { sub: "agent-7", groups: ["dba"], agent: true };

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "portcullis-approvals-"));
}

export function sqlitePath(): string {
  return join(tempDir(), "approvals.db");
}
