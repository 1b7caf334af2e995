/**
 * Stage 1: noticing changes. A policy directory or a bundle file is watched with chokidar
 * and every relevant change is reported as a path; debouncing and serialising reloads is
 * the scheduler's job, not this one's.
 *
 * Directory mode reacts to `.rego` files and `data.json|yaml|yml` (what `collectPolicyDir`
 * reads) and to removed folders; everything else (READMEs, editor swap and backup files,
 * dot-folders such as `.git`, `node_modules`) is ignored so an editor's save dance or a
 * `git status` does not trigger reloads.
 *
 * Bundle mode watches the bundle's parent folder, not the file itself: CI usually drops a
 * bundle by writing a temporary file and renaming it over the old one, which replaces the
 * inode a file watch would be attached to.
 */
import { basename, dirname, relative, resolve, sep } from "node:path";
import { watch, type FSWatcher } from "chokidar";

export interface ChangeSource {
  /** Resolves once the initial scan is done: changes after this are reported. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface SourceOptions {
  /** Poll instead of using inotify (network file systems, some containers). */
  usePolling?: boolean;
  /** Reports watcher failures (e.g. too many watched files); the watch goes on. */
  onError?: (error: Error) => void;
}

const DATA_FILES = new Set(["data.json", "data.yaml", "data.yml"]);

/** Whether a path under `root` is noise: dot-segments, node_modules, editor leftovers. */
export function isIgnoredPath(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  if (rel === "") return false;
  if (rel.startsWith("..")) return true;
  for (const seg of rel.split(sep)) {
    if (seg.startsWith(".") || seg === "node_modules") return true;
  }
  const base = basename(rel);
  // vim's backup (`x~`), its write-probe file (`4913`), emacs autosaves (`#x#`).
  return base.endsWith("~") || base === "4913" || /^#.*#$/.test(base) || /\.sw[a-p]$/.test(base);
}

/** Whether a change to this file can change the policy that `collectPolicyDir` builds. */
export function isPolicyFile(path: string): boolean {
  const base = basename(path);
  return base.endsWith(".rego") || DATA_FILES.has(base);
}

export function watchDirectory(dir: string, onChange: (path: string) => void, options: SourceOptions = {}): ChangeSource {
  const root = resolve(dir);
  const watcher = watch(root, {
    ignoreInitial: true,
    persistent: true,
    followSymlinks: false,
    usePolling: options.usePolling ?? false,
    ignored: (path: string) => isIgnoredPath(root, path),
  });
  watcher.on("all", (event, path) => {
    if (event === "unlinkDir" || ((event === "add" || event === "change" || event === "unlink") && isPolicyFile(path))) {
      onChange(relative(root, path) || ".");
    }
  });
  return wrap(watcher, options);
}

export function watchBundleFile(file: string, onChange: (path: string) => void, options: SourceOptions = {}): ChangeSource {
  const target = resolve(file);
  const parent = dirname(target);
  const watcher = watch(parent, {
    ignoreInitial: true,
    persistent: true,
    depth: 0,
    usePolling: options.usePolling ?? false,
    ignored: (path: string) => {
      const p = resolve(path);
      return p !== parent && p !== target;
    },
  });
  watcher.on("all", (event, path) => {
    // A removed bundle changes nothing: the last good policy stays until a new one lands.
    if ((event === "add" || event === "change") && resolve(path) === target) onChange(basename(target));
  });
  return wrap(watcher, options);
}

function wrap(watcher: FSWatcher, options: SourceOptions): ChangeSource {
  const ready = new Promise<void>((res) => watcher.once("ready", () => res()));
  watcher.on("error", (e) => options.onError?.(e instanceof Error ? e : new Error(String(e))));
  return { ready, close: () => watcher.close() };
}
