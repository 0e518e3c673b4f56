/**
 * Query parameters of the history routes that TypeBox cannot check alone (an instant is a real
 * instant, a range is bounded, a cursor is one this engine made), each a 400 naming its field.
 */
import { isCalendarDate, parseInstant } from "../domain/calendar.ts";
import { HttpError } from "./httpError.ts";

/** The epoch milliseconds of an RFC 3339 instant in the query (from 1970 on: the log's clock starts there). */
export function instantQueryMs(text: string, name: string): number {
  const instant = parseInstant(text);
  const ms = instant === null ? NaN : instant.epochSeconds * 1000 + Math.floor(instant.nanos / 1e6);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw badQuery(name, "must be an RFC 3339 instant with an offset, from 1970 on, e.g. 2026-11-22T14:02:00Z");
  }
  return ms;
}

/** An instant of the past: the engine knows nothing of the future yet. */
export function pastInstantQueryMs(text: string, name: string, nowMs: number): number {
  const ms = instantQueryMs(text, name);
  if (ms > nowMs) throw badQuery(name, "is in the future: the engine knows nothing of it yet");
  return ms;
}

export function dateQuery(text: string, name: string): string {
  if (!isCalendarDate(text)) throw badQuery(name, "must be a calendar date YYYY-MM-DD");
  return text;
}

export function badQuery(name: string, problem: string): HttpError {
  return new HttpError(400, "invalid_request", `query.${name}: ${problem}`, `query.${name}`);
}
