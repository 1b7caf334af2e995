/**
 * Stage 2: scheduling reloads. Bursts of file events (an editor's save, a `git checkout`
 * touching twenty files) collapse into one reload after a quiet period, and reloads never
 * overlap: a change arriving during a reload schedules exactly one more after it. Since
 * every reload reads the files afresh, that follow-up sees the latest state, whatever
 * happened in between ("the latest state wins").
 */

export class ReloadScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The trigger of the follow-up reload requested while one runs. */
  private pending: string | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: (trigger: string) => Promise<void>,
    private readonly debounceMs: number,
  ) {}

  /** A change was seen: reload once things have been quiet for `debounceMs`. */
  notify(trigger: string): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick(trigger);
    }, this.debounceMs);
  }

  /** Reloads now (or right after the running one); resolves when no reload is left to do. */
  async now(trigger: string): Promise<void> {
    this.kick(trigger);
    await this.idle();
  }

  /** Resolves when no reload is running and none is waiting for its quiet period. */
  idle(): Promise<void> {
    if (!this.running && !this.timer) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  /** Stops scheduling; waits for a reload in progress (its result still applies). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    if (this.running) await this.running;
    this.settle();
  }

  private kick(trigger: string): void {
    if (this.closed) return;
    if (this.running) {
      this.pending = trigger;
      return;
    }
    this.running = this.loop(trigger);
  }

  private async loop(first: string): Promise<void> {
    let trigger: string | undefined = first;
    while (trigger !== undefined && !this.closed) {
      this.pending = undefined;
      try {
        await this.run(trigger);
      } catch {
        // run() reports its own failures; a throw here must not stop later reloads
      }
      trigger = this.pending;
    }
    this.running = undefined;
    this.settle();
  }

  private settle(): void {
    if (this.running || this.timer) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
