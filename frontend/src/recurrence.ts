/**
 * Sessions of a recurring course from a rule (issue 23): weekly on chosen weekdays between
 * two dates, at one start and end time, skipping listed dates (holidays). Dates and times
 * are the browser's local time, as the event form enters them (datetime-local values);
 * the form converts each to UTC, so a course at 18:00 stays at 18:00 across a change to or
 * from summer time.
 */

/** ISO weekdays: 1 Monday … 7 Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const WEEKDAYS: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 7];

export interface RecurrenceRule {
  weekdays: readonly Weekday[];
  /** `YYYY-MM-DD`, both included. */
  from: string;
  to: string;
  /** `HH:MM`. */
  start: string;
  end: string;
  /** `YYYY-MM-DD` dates left out. */
  skip: readonly string[];
}

export interface RuleSession {
  /** datetime-local values, `YYYY-MM-DDTHH:MM`. */
  starts: string;
  ends: string;
}

export type RuleProblem = 'weekdays' | 'from' | 'to' | 'order' | 'time' | 'endBeforeStart' | 'skip' | 'none' | 'tooMany';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` that is a real calendar date; null otherwise. */
function dayNumber(value: string): number | null {
  const m = DATE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The sessions of `rule` (at most `max`), or the first problem with it. */
export function expandRule(rule: RecurrenceRule, max: number): { sessions: RuleSession[] } | { problem: RuleProblem } {
  if (rule.weekdays.length === 0) return { problem: 'weekdays' };
  const from = dayNumber(rule.from);
  if (from === null) return { problem: 'from' };
  const to = dayNumber(rule.to);
  if (to === null) return { problem: 'to' };
  if (to < from) return { problem: 'order' };
  if (!TIME.test(rule.start) || !TIME.test(rule.end)) return { problem: 'time' };
  if (rule.end <= rule.start) return { problem: 'endBeforeStart' };
  const skipped = new Set<number>();
  for (const value of rule.skip) {
    const day = dayNumber(value);
    if (day === null) return { problem: 'skip' };
    skipped.add(day);
  }
  const sessions: RuleSession[] = [];
  for (let day = from; day <= to; day += 1) {
    // 1970-01-01 was a Thursday (ISO 4).
    const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
    if (!rule.weekdays.includes(weekday as Weekday) || skipped.has(day)) continue;
    if (sessions.length === max) return { problem: 'tooMany' };
    const date = dateOf(day);
    sessions.push({ starts: `${date}T${rule.start}`, ends: `${date}T${rule.end}` });
  }
  return sessions.length === 0 ? { problem: 'none' } : { sessions };
}

/** Dates typed one per line or separated by commas or spaces. */
export function parseDateList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
}
