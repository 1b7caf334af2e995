/**
 * Stage 2 of `portcullis test`: parse every module and find the tests in it.
 *
 * A test is a rule whose name starts with `test_` (OPA's convention), defined in any
 * package, nested ones included; `todo_test_…` rules are reported as skipped. Functions
 * (`test_f(x)`) and rules with ref heads (`a.test_b`, `test_c[x]`) are not tests here:
 * OPA's parameterised test cases are not supported yet. Only `*_test.rego` files hold
 * tests, so a policy rule that merely happens to start with `test_` is never run as one.
 */
import { parseModule, type Module } from "../../rego/index.js";
import type { Location, RegoError } from "../../errors.js";
import type { SourceFile } from "./load.js";

/** One test rule, identified by its package and name (several definitions count once). */
export interface TestCase {
  /** `data.a.b`, as OPA prints it. */
  package: string;
  name: string;
  /** `a/b/test_x`: the entrypoint a backend evaluates. */
  entrypoint: string;
  /** The first definition of the rule. */
  location: Location;
  skip: boolean;
}

export interface Discovered {
  modules: { file: string; source: string; module: Module }[];
  tests: TestCase[];
  errors: RegoError[];
}

const TEST_PREFIX = "test_";
const TODO_PREFIX = "todo_test_";

/** Whether `file` holds tests (OPA's `_test.rego` naming). */
export function isTestFile(file: string): boolean {
  return file.endsWith("_test.rego");
}

export function discoverTests(sources: SourceFile[]): Discovered {
  const modules: Discovered["modules"] = [];
  const errors: RegoError[] = [];
  const tests: TestCase[] = [];
  const byKey = new Map<string, TestCase>();
  for (const { file, source } of sources) {
    const parsed = parseModule(source, file);
    errors.push(...parsed.errors);
    if (!parsed.module || parsed.errors.length > 0) continue;
    const module = parsed.module;
    modules.push({ file, source, module });
    if (!isTestFile(file)) continue;
    const pkg = module.package.path;
    for (const rule of module.rules) {
      const name = testName(rule.head.ref.terms, rule.head.args);
      if (name === undefined) continue;
      const key = [...pkg, name].join("\u0000");
      if (byKey.has(key)) continue;
      const test: TestCase = {
        package: ["data", ...pkg].join("."),
        name,
        entrypoint: [...pkg, name].join("/"),
        location: rule.location,
        skip: name.startsWith(TODO_PREFIX),
      };
      byKey.set(key, test);
      tests.push(test);
    }
  }
  return { modules, tests, errors };
}

function testName(ref: Module["rules"][number]["head"]["ref"]["terms"], args: unknown[] | null): string | undefined {
  if (args !== null || ref.length !== 1) return undefined;
  const head = ref[0];
  if (!head || head.type !== "var") return undefined;
  return head.name.startsWith(TEST_PREFIX) || head.name.startsWith(TODO_PREFIX) ? head.name : undefined;
}
