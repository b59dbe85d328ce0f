/**
 * The progress line on stderr: which phase, which target, how far. Redrawn
 * in place on a terminal; one line per step otherwise (CI logs, tests).
 */
export class Progress {
  readonly #total: number;
  readonly #tty = process.stderr.isTTY === true;
  readonly #started = performance.now();
  #done = 0;
  #label = '';

  constructor(totalSteps: number) {
    this.#total = Math.max(1, totalSteps);
  }

  /** A new step begins (`phase`, `target`). */
  step(label: string): void {
    if (this.#label !== '') this.#done++;
    this.#label = label;
    if (this.#tty) this.#draw('');
    else process.stderr.write(`[bench ${this.#elapsed()}] ${this.#done + 1}/${this.#total} ${label}\n`);
  }

  /** Steps planned but not run (a capacity search that stopped early). */
  skip(steps: number): void {
    this.#done += steps;
  }

  /** Progress within the current step. */
  detail(done: number, total: number): void {
    if (this.#tty) this.#draw(` ${done}/${total}`);
  }

  finish(): void {
    this.#done = this.#total;
    if (this.#tty) {
      this.#draw(' done');
      process.stderr.write('\n');
    } else process.stderr.write(`[bench ${this.#elapsed()}] done\n`);
  }

  #draw(suffix: string): void {
    const width = 28;
    const filled = Math.round((this.#done / this.#total) * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const line = `[${bar}] ${this.#done}/${this.#total} ${this.#elapsed()} ${this.#label}${suffix}`;
    process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
  }

  #elapsed(): string {
    const seconds = Math.round((performance.now() - this.#started) / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  }
}
