/**
 * An EOD report file read back as rows of CSV fields, whichever format it is in, so a CSV report
 * and a Parquet report of the same day can be compared row for row. The Parquet file is read with
 * hyparquet, a reader of its own (not the writer's code); a null is the CSV's empty field, a DATE
 * its YYYY-MM-DD and a TIMESTAMP its ISO instant.
 */
import { readFileSync } from "node:fs";
import { parquetMetadata, parquetReadObjects, type FileMetaData } from "hyparquet";
import { EOD_REPORT_COLUMNS } from "../../src/apps/report/eodReport.ts";

/** The header and the rows; the tests' ids need no CSV quoting, so a comma splits a field. */
export function csvReportRows(path: string): string[][] {
  return readFileSync(path, "utf8").trimEnd().split("\r\n").map((line) => line.split(","));
}

export async function parquetReportRows(path: string): Promise<string[][]> {
  const rows = await parquetReadObjects({ file: parquetBytesOf(path) });
  return rows.map((row) => EOD_REPORT_COLUMNS.map((column) => fieldOf(column, row[column])));
}

export function parquetReportMetadata(path: string): FileMetaData {
  return parquetMetadata(parquetBytesOf(path));
}

function parquetBytesOf(path: string): ArrayBuffer {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function fieldOf(column: string, value: unknown): string {
  if (value === null) return "";
  if (value instanceof Date) return column === "date" ? value.toISOString().slice(0, 10) : value.toISOString();
  if (typeof value !== "string") throw new Error(`column ${column}: a ${typeof value} where the report writes strings, dates and instants`);
  return value;
}
