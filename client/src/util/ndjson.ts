/** Splits a byte stream into lines and parses each as JSON; lines that are not JSON go to `onText`. */
export class NdjsonSplitter {
  private rest = "";

  constructor(
    private readonly onObject: (value: unknown) => void,
    private readonly onText: (line: string) => void = () => {},
  ) {}

  push(chunk: string | Buffer): void {
    this.rest += chunk.toString();
    let nl: number;
    while ((nl = this.rest.indexOf("\n")) >= 0) {
      const line = this.rest.slice(0, nl).replace(/\r$/, "");
      this.rest = this.rest.slice(nl + 1);
      this.line(line);
    }
  }

  /** Call at end of stream: a last line without a newline still counts. */
  end(): void {
    if (this.rest) this.line(this.rest);
    this.rest = "";
  }

  private line(line: string): void {
    if (!line.trim()) return;
    if (line.startsWith("{")) {
      try {
        this.onObject(JSON.parse(line));
        return;
      } catch {
        /* not JSON after all: plain text */
      }
    }
    this.onText(line);
  }
}
