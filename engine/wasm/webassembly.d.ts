/**
 * The WebAssembly JS API as Node.js provides it, for the parts this project uses.
 * TypeScript declares it only in the DOM lib, which would bring browser globals that do
 * not exist in Node; this slice keeps `lib` to ES2023 + @types/node.
 */
declare namespace WebAssembly {
  type ImportValue = Function | Global | Memory | Table | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  type Exports = Record<string, Function | Global | Memory | Table>;

  interface ModuleImportDescriptor {
    module: string;
    name: string;
    kind: "function" | "global" | "memory" | "table";
  }
  interface ModuleExportDescriptor {
    name: string;
    kind: "function" | "global" | "memory" | "table";
  }

  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
    static imports(module: Module): ModuleImportDescriptor[];
    static exports(module: Module): ModuleExportDescriptor[];
  }

  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }

  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }

  class Table {
    readonly length: number;
  }

  class Global {
    value: unknown;
  }

  class RuntimeError extends Error {}
  class CompileError extends Error {}
  class LinkError extends Error {}

  function instantiate(bytes: ArrayBufferView | ArrayBuffer, imports?: Imports): Promise<{ module: Module; instance: Instance }>;
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
