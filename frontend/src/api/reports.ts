import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/** Figures of the ended sessions of the last `days` days, of the events the caller may see (numbers only). */
export type Report = components['schemas']['Report'];
export type CourseFigures = components['schemas']['CourseFigures'];
export type SessionFigures = components['schemas']['SessionFigures'];
export type HourFigures = components['schemas']['HourFigures'];
export type DeviceHealth = components['schemas']['DeviceHealth'];

export async function getReport(days: number, signal?: AbortSignal): Promise<Report> {
  return unwrap(await api.GET('/api/v1/reports', { params: { query: { days } }, signal: requestSignal(signal), cache: 'no-store' }));
}

/**
 * A table as CSV for spreadsheets: UTF-8 with BOM, every field quoted, CRLF,
 * and cells that a spreadsheet would run as a formula defused with a leading
 * apostrophe (TOM PRIV-5, like the server's CSV files).
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): Blob {
  const cell = (value: string | number) => {
    let text = String(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return `"${text.replaceAll('"', '""')}"`;
  };
  const lines = [header.map(cell).join(','), ...rows.map((row) => row.map(cell).join(','))];
  return new Blob(['\uFEFF', lines.join('\r\n'), '\r\n'], { type: 'text/csv;charset=utf-8' });
}
