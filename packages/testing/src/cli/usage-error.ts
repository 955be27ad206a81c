/** Raised for anything the user typed wrong: one line, then a hint; exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** What to do about it, when there is more to say than "see --help". */
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.hint = hint;
  }
}
