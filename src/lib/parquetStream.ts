/**
 * A Parquet file written a row group at a time to a byte sink, so the writer holds one row group's
 * bytes, never the file's: hyparquet-writer's ParquetWriter encodes each group into a ByteWriter,
 * and this ByteWriter's flush (which ParquetWriter calls after each group, awaiting it) hands the
 * bytes on and empties its buffer while the file offsets count on. What stays for the whole file is
 * the footer to come: each row group's metadata (its columns' offsets and statistics).
 */
import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from "hyparquet-writer";

export interface ParquetStream {
  /** One row group of these columns (all of one length); none for zero rows. */
  writeRowGroup(columns: ColumnSource[]): Promise<void>;
  /** The footer; the file is readable after it. */
  end(): Promise<void>;
}

/** Each call of `write` gets bytes of its own, and the next waits for it (backpressure). */
export function parquetStream(schema: SchemaElement[], write: (bytes: Uint8Array) => Promise<void>): ParquetStream {
  const parquet = new ParquetWriter({ writer: new FlushingByteWriter(write), schema });
  return {
    async writeRowGroup(columns) {
      const rows = columns[0]?.data.length ?? 0;
      if (rows > 0) await parquet.write({ columnData: columns, rowGroupSize: rows });
    },
    async end() {
      await parquet.finish();
    },
  };
}

class FlushingByteWriter extends ByteWriter {
  constructor(private readonly send: (bytes: Uint8Array) => Promise<void>) {
    super(64 * 1024);
  }

  async flush(): Promise<void> {
    const bytes = this.getBytes().slice();
    this.index = 0;
    await this.send(bytes);
  }

  override async finish(): Promise<void> {
    await this.flush();
  }
}
