/** Acceptance (Wasm backend issue): the suite through @open-policy-agent/opa-wasm, >= 95% core, >= 85% all. */
import { describeSuiteAcceptance } from "./suite.js";

describeSuiteAcceptance("wasm", { core: 0.95, all: 0.85 });
