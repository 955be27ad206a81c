/**
 * One line naming a thrown value, whatever it is. A handler may throw anything — an object whose `message`
 * getter or `toString` throws included — and naming it must never throw in turn (that would take the
 * failure's report, or a worker's whole retry policy, down with it).
 */
export function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    return typeof error === "string" ? error : String(error);
  } catch {
    try {
      return `${Object.prototype.toString.call(error)} (its message could not be read)`;
    } catch {
      return "a thrown value that cannot be printed";
    }
  }
}
