import type { ChangeView, SubprocessorEntry } from '../api/subprocessors';
import { useI18n, type MessageKey } from '../i18n';

/** Shared parts of the register pages (platform console and the tenant's page). */

export const KIND_LABELS: Record<ChangeView['kind'], MessageKey> = {
  add: 'subprocessors.kind.add',
  replace: 'subprocessors.kind.replace',
  change_location: 'subprocessors.kind.change_location',
  remove: 'subprocessors.kind.remove',
};

const MECHANISM_LABELS: Record<NonNullable<SubprocessorEntry['transfer_mechanism']>, MessageKey> = {
  adequacy_decision: 'subprocessors.mechanism.adequacy_decision',
  scc: 'subprocessors.mechanism.scc',
  bcr: 'subprocessors.mechanism.bcr',
};

/** A date `YYYY-MM-DD` in the UI's language (no time zone shift: it is a calendar date). */
export function useDay(): (value: string) => string {
  const { locale } = useI18n();
  const format = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
  return (value) => {
    const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : null;
    return date && !Number.isNaN(date.getTime()) ? format.format(date) : value;
  };
}

/** Country, EU/EEA or not, and the transfer safeguard. */
export function Location({ entry }: { entry: SubprocessorEntry }) {
  const { t } = useI18n();
  return (
    <>
      {entry.country} ({entry.eu_eea ? t('subprocessors.euEea') : t('subprocessors.thirdCountry')})
      {entry.transfer_mechanism ? (
        <>
          <br />
          <span className="small">{t(MECHANISM_LABELS[entry.transfer_mechanism])}</span>
        </>
      ) : null}
    </>
  );
}

export function RegisterTable({ entries, testId }: { entries: SubprocessorEntry[]; testId: string }) {
  const { t } = useI18n();
  const day = useDay();
  return (
    <div className="table-scroll">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t('subprocessors.col.name')}</th>
            <th scope="col">{t('subprocessors.col.service')}</th>
            <th scope="col">{t('subprocessors.col.categories')}</th>
            <th scope="col">{t('subprocessors.col.location')}</th>
            <th scope="col">{t('subprocessors.col.since')}</th>
            <th scope="col">{t('subprocessors.col.inForce')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.entry_id} data-testid={`${testId}-row`}>
              <td>
                <strong>{e.name}</strong>
                <br />
                <span className="small prewrap">{e.address}</span>
              </td>
              <td className="prewrap">{e.service}</td>
              <td className="prewrap">{e.data_categories}</td>
              <td>
                <Location entry={e} />
              </td>
              <td>{day(e.since)}</td>
              <td>{day(e.in_force_from)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What a change does, its date and deadline. */
export function ChangeSummary({ change }: { change: ChangeView }) {
  const { t } = useI18n();
  const day = useDay();
  const line = (e: SubprocessorEntry) => (
    <>
      <strong>{e.name}</strong> – {e.service} – <Location entry={e} />
    </>
  );
  return (
    <>
      <h3>
        {t(KIND_LABELS[change.kind])}{' '}
        <span className={change.pending ? 'badge' : 'badge badge--ok'}>
          {change.pending ? t('subprocessors.change.pending') : t('subprocessors.change.done')}
        </span>
      </h3>
      <p>
        <strong data-testid="subprocessor-change-effective">{t('subprocessors.change.effective', { date: day(change.effective_on) })}</strong>
        {' · '}
        <span data-testid="subprocessor-change-deadline">{t('subprocessors.change.until', { date: day(change.objection_until) })}</span>
      </p>
      {change.target ? (
        <p>
          {t('subprocessors.change.before')}: {line(change.target)}
        </p>
      ) : null}
      {change.entry ? (
        <p>
          {t('subprocessors.change.after')}: {line(change.entry)}
        </p>
      ) : null}
      {change.note ? <p className="muted prewrap">{change.note}</p> : null}
    </>
  );
}
