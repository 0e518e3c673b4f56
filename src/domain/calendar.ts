/**
 * Calendar dates (YYYY-MM-DD, compared as strings) and RFC 3339 instants (compared as instants).
 * The engine never compares either with its own clock.
 */

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** An instant with nanosecond precision: seconds since the epoch plus nanoseconds. */
export interface Instant {
  readonly epochSeconds: number;
  readonly nanos: number;
}

export function isCalendarDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  return year >= 0 && month >= 0 && day >= 0 && isRealDay(year, month, day);
}

export function parseInstant(text: string): Instant | null {
  return parseUtcInstantFast(text) ?? parseInstantGeneral(text);
}

/**
 * The common form, "YYYY-MM-DDTHH:MM:SS[.fff]Z", read by character codes: it runs for every
 * message. Anything else (offsets, lower-case letters, leap seconds) takes the general path.
 */
function parseUtcInstantFast(text: string): Instant | null {
  const length = text.length;
  if (length < 20 || text.charCodeAt(length - 1) !== 90 /* Z */) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return null;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  const hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (year < 100 || hour > 23 || minute > 59 || second > 59 || !isRealDay(year, month, day)) return null;
  let nanos = 0;
  if (length > 20) {
    const fractionDigits = length - 21;
    if (text.charCodeAt(19) !== 46 || fractionDigits < 1 || fractionDigits > 9) return null;
    nanos = digits(text, 20, fractionDigits);
    if (nanos < 0) return null;
    for (let k = fractionDigits; k < 9; k++) nanos *= 10;
  }
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  return { epochSeconds: Date.UTC(year, month - 1, day, hour, minute, second) / 1000, nanos };
}

/** The decimal value of `count` ASCII digits at `start`, or -1 when one is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

function parseInstantGeneral(text: string): Instant | null {
  const match = TIMESTAMP.exec(text);
  if (match === null) return null;
  const [, y, mo, d, h, mi, s, fraction = "", zulu, sign, offsetHours = "0", offsetMinutes = "0"] = match;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  if (!isRealDay(year, month, day)) return null;
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  // Second 60 is RFC 3339's leap second; it counts as the next second.
  if (hour > 23 || minute > 59 || second > 60) return null;
  const [oh, om] = [Number(offsetHours), Number(offsetMinutes)];
  if (oh > 23 || om > 59) return null;
  const offsetSeconds = zulu !== undefined ? 0 : (sign === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  const localSeconds = utcSeconds(year, month, day, hour, minute, second);
  return { epochSeconds: localSeconds - offsetSeconds, nanos: Number(fraction.padEnd(9, "0")) };
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.epochSeconds !== b.epochSeconds ? a.epochSeconds - b.epochSeconds : a.nanos - b.nanos;
}

const GREGORIAN_CYCLE_SECONDS = 146_097 * 86_400; // 400 years, an exact number of days

function utcSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  // Date.UTC reads years 0–99 as 1900–1999; shift by a whole 400-year cycle to keep them.
  const shift = year < 100 ? 400 : 0;
  const ms = Date.UTC(year + shift, month - 1, day, hour, minute, second);
  return ms / 1000 - (shift === 0 ? 0 : GREGORIAN_CYCLE_SECONDS);
}

function isRealDay(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * RFC 3339 in UTC, with as many fraction digits as the instant needs (none, or up to 9), so a
 * timestamp the core system sent reads back to the same instant.
 */
export function formatInstant(instant: Instant): string {
  const seconds = new Date(instant.epochSeconds * 1000).toISOString().slice(0, 19);
  if (instant.nanos === 0) return `${seconds}Z`;
  return `${seconds}.${String(instant.nanos).padStart(9, "0").replace(/0+$/, "")}Z`;
}
