import { useMemo, useState, type ReactNode } from 'react';
import { getReport, toCsv, type Report } from '../api/reports';
import { can, type Account } from '../auth';
import { Chart, type ChartSeries } from '../components/Chart';
import { LocalTime, useLocalDateTimeFormat } from '../components/EventTimes';
import { LoadStatus } from '../components/LoadStatus';
import { RequireAuth } from '../components/RequireAuth';
import { saveBlob } from '../download';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';
import { useTimeZone } from '../timeZone';

/**
 * "Berichte" (issue 21): attendance at a glance over the sessions that ended
 * in a chosen period, of the events the signed-in staff member may see
 * (instructors: theirs, company admins: their companies'). Each chart is also
 * a table and a CSV download; numbers only, no names of people.
 */
export function ReportsPage() {
  return <RequireAuth>{(account) => <ReportsScreen account={account} />}</RequireAuth>;
}

const PERIODS = [30, 90, 365] as const;

/** Colours with enough contrast on white (WCAG 1.4.11). */
const BLUE = '#1f5fa8';
const ORANGE = '#b34700';
const LINE_COLOURS = ['#1f5fa8', '#b34700', '#2e7d32', '#6a1b9a', '#ad1457', '#00695c'];

function ReportsScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  const [days, setDays] = useState<number>(90);
  const load = useKeyedLoad(`reports:${days}`, (signal) => getReport(days, signal), { keepWhileLoading: true });
  return (
    <div className="stack">
      <section aria-labelledby="reports-title">
        <h1 id="reports-title">{t('reports.title')}</h1>
        <p className="muted">{t('reports.intro')}</p>
        <div className="field">
          <label htmlFor="reports-period">{t('reports.period')}</label>
          <select id="reports-period" value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="reports-period">
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                {t('reports.days', { days: d })}
              </option>
            ))}
          </select>
        </div>
      </section>
      {can(account, 'reports.read') ? null : (
        <p className="alert alert--error" role="alert">
          {t('reports.forbidden')}
        </p>
      )}
      <LoadStatus load={load} testId="reports-status" loading="reports.loading" forbidden="reports.forbidden" error="reports.error" />
      {load.state === 'ok' ? <ReportView report={load.value} /> : null}
    </div>
  );
}

/** A chart with its table and CSV download. */
function Figure({
  id,
  title,
  intro,
  columns,
  rows,
  file,
  empty = 'reports.empty',
  children,
}: {
  id: string;
  title: MessageKey;
  intro: MessageKey;
  columns: MessageKey[];
  rows: (string | number)[][];
  file: string;
  empty?: MessageKey;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const header = columns.map((c) => t(c));
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid={`report-${id}`}>
      <div className="card__head">
        <h2 id={`${id}-title`}>{t(title)}</h2>
        <button
          type="button"
          className="button button--small"
          disabled={rows.length === 0}
          onClick={() => saveBlob(toCsv(header, rows), file)}
          data-testid={`report-${id}-csv`}
        >
          {t('reports.csv')}
        </button>
      </div>
      <p className="muted small">{t(intro)}</p>
      {rows.length === 0 ? (
        <p className="muted" data-testid={`report-${id}-empty`}>
          {t(empty)}
        </p>
      ) : (
        <>
          {children}
          <div className="table-scroll" tabIndex={0}>
            <table className="table" data-testid={`report-${id}-table`}>
              <caption className="visually-hidden">{t(title)}</caption>
              <thead>
                <tr>
                  {header.map((h) => (
                    <th key={h} scope="col">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row, i) => (
                  <tr key={i}>
                    {row.map((cell, j) => (
                      <td key={j} className={typeof cell === 'number' ? 'num' : 'cell-text'}>
                        {cell}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function ReportView({ report }: { report: Report }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const zone = useTimeZone() ?? report.time_zone;

  const courses = report.courses;
  const courseLabels = useMemo(() => courses.map((c) => c.title), [courses]);
  const courseX = useMemo(() => courses.map((_, i) => i), [courses]);
  const rateSeries: ChartSeries[] = useMemo(
    () => [{ label: t('reports.col.rate'), values: courses.map((c) => c.attendance_rate_percent), color: BLUE }],
    [courses, t],
  );
  const noShowSeries: ChartSeries[] = useMemo(
    () => [
      { label: t('reports.col.booked'), values: courses.map((c) => c.booked), color: BLUE },
      { label: t('reports.col.noShows'), values: courses.map((c) => c.no_shows), color: ORANGE },
    ],
    [courses, t],
  );
  const lateSeries: ChartSeries[] = useMemo(
    () => [
      { label: t('reports.col.present'), values: courses.map((c) => c.present), color: BLUE },
      { label: t('reports.col.late'), values: courses.map((c) => c.late), color: ORANGE },
    ],
    [courses, t],
  );

  const sessions = report.sessions;
  const sessionX = useMemo(() => sessions.map((s) => Math.floor(Date.parse(s.starts_at) / 1000)), [sessions]);
  const sessionSeries: ChartSeries[] = useMemo(
    () => [{ label: t('reports.col.rate'), values: sessions.map((s) => s.attendance_rate_percent), color: BLUE }],
    [sessions, t],
  );

  const hours = report.hours;
  const hourX = useMemo(() => Array.from({ length: 24 }, (_, h) => h), []);
  const hourSeries: ChartSeries[] = useMemo(() => {
    const places = [...new Set(hours.map((h) => h.location || t('reports.noLocation')))];
    return places.map((place, i) => ({
      label: place,
      values: hourX.map((h) => hours.filter((f) => (f.location || t('reports.noLocation')) === place && f.hour === h).reduce((n, f) => n + f.check_ins, 0)),
      color: LINE_COLOURS[i % LINE_COLOURS.length] ?? BLUE,
    }));
  }, [hours, hourX, t]);
  const hourLabels = useMemo(() => hourX.map((h) => `${h}`), [hourX]);

  return (
    <>
      <p className="muted small" data-testid="reports-range">
        {t('reports.range', { zone: report.time_zone })} <LocalTime value={report.from} format={format} /> –{' '}
        <LocalTime value={report.to} format={format} />
      </p>
      <Figure
        id="courses"
        title="reports.courses.title"
        intro="reports.courses.intro"
        columns={['reports.col.course', 'reports.col.sessions', 'reports.col.booked', 'reports.col.present', 'reports.col.rate']}
        rows={courses.map((c) => [c.title, c.sessions, c.booked, c.present, c.attendance_rate_percent])}
        file="attendance-rate-per-course.csv"
      >
        <Chart label={t('reports.courses.chart')} x={courseX} labels={courseLabels} series={rateSeries} kind="bars" testId="chart-courses" />
      </Figure>
      <Figure
        id="sessions"
        title="reports.sessions.title"
        intro="reports.sessions.intro"
        columns={['reports.col.start', 'reports.col.course', 'reports.col.booked', 'reports.col.present', 'reports.col.late', 'reports.col.excused', 'reports.col.rate']}
        rows={sessions.map((s) => [format.format(new Date(s.starts_at)), s.title, s.booked, s.present, s.late, s.excused, s.attendance_rate_percent])}
        file="attendance-rate-per-session.csv"
      >
        <Chart label={t('reports.sessions.chart')} x={sessionX} series={sessionSeries} kind="lines" time timeZone={zone} testId="chart-sessions" />
      </Figure>
      <Figure
        id="punctuality"
        title="reports.punctuality.title"
        intro="reports.punctuality.intro"
        columns={['reports.col.course', 'reports.col.present', 'reports.col.late']}
        rows={courses.map((c) => [c.title, c.present, c.late])}
        file="late-arrivals-per-course.csv"
      >
        <Chart label={t('reports.punctuality.chart')} x={courseX} labels={courseLabels} series={lateSeries} kind="bars" testId="chart-punctuality" />
      </Figure>
      <Figure
        id="no-shows"
        title="reports.noShows.title"
        intro="reports.noShows.intro"
        columns={['reports.col.course', 'reports.col.booked', 'reports.col.noShows']}
        rows={courses.map((c) => [c.title, c.booked, c.no_shows])}
        file="no-shows-per-course.csv"
      >
        <Chart label={t('reports.noShows.chart')} x={courseX} labels={courseLabels} series={noShowSeries} kind="bars" testId="chart-no-shows" />
      </Figure>
      <Figure
        id="hours"
        title="reports.hours.title"
        intro="reports.hours.intro"
        columns={['reports.col.location', 'reports.col.hour', 'reports.col.checkIns']}
        rows={hours.map((h) => [h.location || t('reports.noLocation'), h.hour, h.check_ins])}
        file="check-ins-per-hour.csv"
      >
        <Chart label={t('reports.hours.chart')} x={hourX} labels={hourLabels} series={hourSeries} kind="lines" testId="chart-hours" />
      </Figure>
      {report.devices ? (
        <Figure
          id="devices"
          title="reports.devices.title"
          intro="reports.devices.intro"
          columns={['reports.col.device', 'reports.col.status', 'reports.col.lastHeartbeat', 'reports.col.queue']}
          rows={report.devices.map((d) => [
            d.name,
            d.status === 'revoked'
              ? t('reports.device.revoked')
              : d.silent
                ? t('reports.device.silent')
                : d.outdated
                  ? t('reports.device.outdated')
                  : t('reports.device.ok'),
            d.last_heartbeat_at ? format.format(new Date(d.last_heartbeat_at)) : t('common.none'),
            d.queue_length ?? 0,
          ])}
          file="device-health.csv"
          empty="reports.devices.none"
        />
      ) : null}
    </>
  );
}
