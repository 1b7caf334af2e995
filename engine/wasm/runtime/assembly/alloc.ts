// Bump allocator over the imported memory. The SDK resets the heap between
// evaluations through opa_heap_ptr_set, so nothing is ever freed individually and
// values must never be mutated once another value may point at them.

// 0 means "not yet initialised": generated modules set the heap start from their
// start function (after their own static data); a bare runtime falls back to
// __heap_base on first use.
let heapPtr: usize = 0;

export function heapGet(): usize {
  if (heapPtr == 0) heapPtr = (__heap_base + 7) & ~(<usize>7);
  return heapPtr;
}

export function heapSet(p: usize): void {
  heapPtr = (p + 7) & ~(<usize>7);
}

// Bytes known to be backed by memory. The host may grow the memory too, so this only
// ever underestimates: when it says no, memory.size() has the final word.
let backed: usize = 0;

/** Makes sure [0, end) is backed by memory, growing it when needed. */
export function ensure(end: usize): void {
  if (end <= backed) return;
  const have = (<usize>memory.size()) << 16;
  backed = have;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >>> 16);
    if (memory.grow(pages) < 0) unreachable();
    backed = (<usize>memory.size()) << 16;
  }
}

export function alloc(size: usize): usize {
  const p = heapGet();
  const end = (p + size + 7) & ~(<usize>7);
  ensure(end);
  heapPtr = end;
  return p;
}

/** Dumps write bytes straight at the heap top; these let them grow in place. */
export function bumpTo(end: usize): void {
  ensure(end);
  heapPtr = end;
}
