/**
 * Line-by-line reading of a CSV file, plain or gzip-compressed, without holding the file in memory: a
 * day of Tardis depth is gigabytes of text. A gzip stream cut short or corrupt is reported as an
 * error at the line where it ended, after every whole line before it was handed out.
 */
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";

/** The lines of one file; `line` is the 1-based number of the last line returned. */
export class CsvLines {
  line = 0;
  /** Set when the file ended in an error (truncated or corrupt compression): the message. */
  error: string | undefined;
  private readonly iter: AsyncIterator<string>;
  private buffered: string[] = [];
  private at = 0;
  private tail = "";
  private done = false;

  constructor(readonly path: string) {
    const raw = createReadStream(path);
    const stream = path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
    raw.on("error", (e) => stream.destroy(e));
    stream.setEncoding("utf8");
    this.iter = (stream as AsyncIterable<string>)[Symbol.asyncIterator]();
  }

  /** The next line (without its newline), or undefined at the end of the file or after an error. */
  async next(): Promise<string | undefined> {
    while (this.at >= this.buffered.length) {
      if (this.done) return undefined;
      await this.fill();
    }
    this.line++;
    return this.buffered[this.at++];
  }

  private async fill(): Promise<void> {
    let r: IteratorResult<string>;
    try {
      r = await this.iter.next();
    } catch (e) {
      this.error = (e as Error).message;
      this.done = true;
      this.buffered = [];
      this.at = 0;
      return; // a partial last line is dropped: it may be cut anywhere
    }
    if (r.done === true) {
      this.done = true;
      this.buffered = this.tail === "" ? [] : [this.tail];
      this.tail = "";
      this.at = 0;
      return;
    }
    const parts = (this.tail + r.value).split("\n");
    this.tail = parts.pop() ?? "";
    this.buffered = parts;
    this.at = 0;
  }
}
