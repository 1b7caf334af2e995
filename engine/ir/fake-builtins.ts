/**
 * A fake builtin registry for the interpreter's unit tests (`vi.mock` of
 * `../builtins/index.js`): each fake returns or raises exactly what a test needs, so the
 * tests pin the interpreter's handling, not the real builtins' behaviour.
 */
import { RNumber } from "../values/index.js";

type Fn = (args: unknown[], ctx: { strict: boolean; nowNs: bigint; print: (m: string) => void }) => unknown;
interface Fake {
  name: string;
  arity: number;
  relation?: boolean;
  fn: Fn;
}

const table: Record<string, Fake> = {
  div: {
    name: "div",
    arity: 2,
    fn: (args) => {
      const [a, b] = args as [RNumber, RNumber];
      if (b.isZero()) return { code: "eval_builtin_error", message: "divide by zero" };
      return a.div(b);
    },
  },
  boom: {
    name: "boom",
    arity: 1,
    fn: () => {
      throw { code: "eval_type_error", message: "boom: operand 1 must be string but got number" };
    },
  },
  "time.now_ns": { name: "time.now_ns", arity: 0, fn: (_a, ctx) => RNumber.fromInt(ctx.nowNs) },
  print: {
    name: "print",
    arity: 1,
    fn: (args, ctx) => {
      ctx.print(String(args[0]));
      return true;
    },
  },
  spin: {
    name: "spin",
    arity: 0,
    fn: () => {
      const until = Date.now() + 5;
      while (Date.now() < until);
      return true;
    },
  },
  "walk.pairs": { name: "walk.pairs", arity: 1, relation: true, fn: (args) => [args[0], args[0]] },
};

export function getBuiltin(name: string): Fake | undefined {
  return table[name];
}
