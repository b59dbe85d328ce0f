/** Where a value sits in a request body: `['messages', 0, 'role']`. */
export type Path = readonly (string | number)[];

export interface NumberRule {
  int?: boolean;
  min?: number;
  max?: number;
  /** Strictly greater than. */
  above?: number;
}

/**
 * The checks a request validator is made of. Each one records the first
 * failure (field and message) and reports whether the value passed; after
 * a failure nothing more is recorded, so the first problem is the one the
 * client hears about.
 */
export class ChatShape {
  failure: { path: Path; message: string } | null = null;

  fail(path: Path, message: string): void {
    this.failure ??= { path, message };
  }

  string(path: Path, value: unknown): boolean {
    return typeof value === 'string' || this.#expected(path, 'string', value);
  }

  boolean(path: Path, value: unknown): boolean {
    return typeof value === 'boolean' || this.#expected(path, 'boolean', value);
  }

  array(path: Path, value: unknown): boolean {
    return Array.isArray(value) || this.#expected(path, 'array', value);
  }

  object(path: Path, value: unknown): boolean {
    return (typeof value === 'object' && value !== null && !Array.isArray(value)) || this.#expected(path, 'object', value);
  }

  number(path: Path, value: unknown, rule: NumberRule): boolean {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.#expected(path, 'number', value);
    if (rule.int === true && !Number.isInteger(value)) return this.#expected(path, 'int', value);
    if (rule.above !== undefined && value <= rule.above) return this.#out(path, `Too small: expected number to be >${rule.above}`);
    if (rule.min !== undefined && value < rule.min) return this.#out(path, `Too small: expected number to be >=${rule.min}`);
    if (rule.max !== undefined && value > rule.max) return this.#out(path, `Too big: expected number to be <=${rule.max}`);
    return true;
  }

  /** `check` the value unless it is absent. */
  optional(path: Path, value: unknown, check: (path: Path, value: unknown) => unknown): void {
    if (value !== undefined && this.failure === null) check(path, value);
  }

  /** `check` the value unless it is absent or null. */
  nullable(path: Path, value: unknown, check: (path: Path, value: unknown) => unknown): void {
    if (value !== undefined && value !== null && this.failure === null) check(path, value);
  }

  /** How a value is named in a message: `number`, `null`, `array`, … */
  static received(value: unknown): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'array';
    return typeof value;
  }

  #expected(path: Path, what: string, value: unknown): false {
    this.fail(path, `Invalid input: expected ${what}, received ${ChatShape.received(value)}`);
    return false;
  }

  #out(path: Path, message: string): false {
    this.fail(path, message);
    return false;
  }
}
