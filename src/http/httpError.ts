/** An error the API answers with: `{ "error": { "code", "message", "field"? } }` and a status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body() {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}


/** The one answer to a body that is not JSON, wherever it is parsed (Elysia's parser, a route's own). */
export function badJson(): HttpError {
  return new HttpError(400, "invalid_json", "body: not valid JSON", "body");
}
