/**
 * The report's progress on stderr: a bar redrawn in place on a terminal, and a plain line every
 * tenth of the way otherwise (a log file gets ten lines, not one per chunk).
 */
const BAR_WIDTH = 30;

export function progressBar(stream: { write(text: string): unknown; isTTY?: boolean }, startedAtMs: number, now: () => number = Date.now) {
  let lastTenth = -1;
  return (done: number, total: number) => {
    const share = total === 0 ? 1 : done / total;
    const seconds = Math.max(0.001, (now() - startedAtMs) / 1000);
    const text = `${done}/${total} accounts, ${Math.round(done / seconds)} accounts/s`;
    if (stream.isTTY === true) {
      const filled = Math.round(share * BAR_WIDTH);
      stream.write(`\r[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${text}${done >= total ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    stream.write(`report: ${text}\n`);
  };
}
