// mvdan-sh ships no types: it is mvdan.cc/sh/v3 transpiled by GopherJS. Nodes are Go
// structs seen from JavaScript; parse.ts narrows the few fields we read.
declare module "mvdan-sh" {
  const sh: {
    syntax: {
      NewParser(...options: unknown[]): { Parse(src: string, name: string): unknown };
      NodeType(node: unknown): string;
      Walk(node: unknown, visit: (node: unknown) => boolean): void;
      KeepComments(keep: boolean): unknown;
      Variant(lang: unknown): unknown;
      LangBash: unknown;
    };
  };
  export default sh;
}
