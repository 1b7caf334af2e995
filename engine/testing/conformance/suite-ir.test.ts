/** Acceptance (compiler issue): the suite on the IR backend, >= 90% core, >= 80% all. */
import { describeSuiteAcceptance } from "./suite.js";

describeSuiteAcceptance("ir", { core: 0.9, all: 0.8 });
