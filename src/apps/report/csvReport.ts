/**
 * The EOD report as CSV (RFC 4180): a header line, then a line per row. Ids and codes come from
 * outside, so they go through csvText (a formula-looking one gets its apostrophe); the engine's
 * own amounts, dates and instants are written as they are.
 */
import { csvLine, csvPlain, csvText } from "../../lib/csv.ts";
import { EOD_REPORT_COLUMNS, type EodReportRow, type EodReportSink } from "./eodReport.ts";

export function csvReportSink(write: (text: string) => Promise<void>): EodReportSink {
  return {
    begin: () => write(csvLine(EOD_REPORT_COLUMNS)),
    writeChunk: (rows) => write(rows.map(csvLineOf).join("")),
    end: async () => {},
  };
}

function csvLineOf(row: EodReportRow): string {
  const text = (value: string | null) => csvText(value ?? "");
  const plain = (value: string | null) => csvPlain(value ?? "");
  return csvLine([
    row.record, text(row.accountId), plain(row.currency), row.date, plain(row.engineClose), plain(row.coreEod), plain(row.difference),
    plain(row.status), text(row.messageId), text(row.transactionId), plain(row.amount), plain(row.appliedAt),
  ]);
}
