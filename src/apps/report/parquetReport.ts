/**
 * The EOD report as Parquet: the CSV's columns and rows, one row group per chunk of accounts.
 * Ids, codes and amounts are UTF-8 strings (amounts as decimal strings, as on the wire: one
 * Parquet DECIMAL column has one scale, and the report mixes currencies of 0, 2 and 3 minor
 * digits); `date` is a DATE, `appliedAt` a UTC TIMESTAMP in milliseconds; an empty CSV field is a
 * null. Ids are kept as they are (the CSV's apostrophe before a formula-looking id is for
 * spreadsheets, which do not run a Parquet file's strings).
 */
import type { SchemaElement } from "hyparquet-writer";
import { parquetStream } from "../../lib/parquetStream.ts";
import { EOD_REPORT_COLUMNS, type EodReportRow, type EodReportSink } from "./eodReport.ts";

type Column = (typeof EOD_REPORT_COLUMNS)[number];

const text = (name: Column, repetition: "REQUIRED" | "OPTIONAL"): SchemaElement =>
  ({ name, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type: repetition });

const SCHEMA_OF: Record<Column, SchemaElement> = {
  record: text("record", "REQUIRED"),
  accountId: text("accountId", "REQUIRED"),
  currency: text("currency", "REQUIRED"),
  date: { name: "date", type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" }, repetition_type: "REQUIRED" },
  engineClose: text("engineClose", "OPTIONAL"),
  coreEod: text("coreEod", "OPTIONAL"),
  difference: text("difference", "OPTIONAL"),
  status: text("status", "OPTIONAL"),
  messageId: text("messageId", "OPTIONAL"),
  transactionId: text("transactionId", "OPTIONAL"),
  amount: text("amount", "OPTIONAL"),
  appliedAt: {
    name: "appliedAt", type: "INT64", converted_type: "TIMESTAMP_MILLIS",
    logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" }, repetition_type: "OPTIONAL",
  },
};

export const EOD_REPORT_PARQUET_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: EOD_REPORT_COLUMNS.length },
  ...EOD_REPORT_COLUMNS.map((column) => SCHEMA_OF[column]),
];

export function parquetReportSink(write: (bytes: Uint8Array) => Promise<void>): EodReportSink {
  const stream = parquetStream(EOD_REPORT_PARQUET_SCHEMA, write);
  return {
    begin: async () => {},
    writeChunk: (rows) => stream.writeRowGroup(EOD_REPORT_COLUMNS.map((name) => ({ name, data: rows.map((row) => valueOf(row, name)) }))),
    end: () => stream.end(),
  };
}

function valueOf(row: EodReportRow, column: Column): string | Date | null {
  if (column === "date") return new Date(Date.parse(`${row.date}T00:00:00Z`));
  if (column === "appliedAt") return row.appliedAt === null ? null : new Date(Date.parse(row.appliedAt));
  return row[column];
}
