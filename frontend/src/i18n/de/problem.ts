import type { ProblemTexts } from '../types';

// The answer to every problem code of the server (`Problem.code`, the closed
// enum `ProblemCode` of the OpenAPI document), shown by problemMessage() in
// ../../problems.ts unless a page has a more specific sentence. Typed as
// ProblemTexts: a code of the schema without a text here is a compile error
// (and tests/browser/problem-codes.test.mjs checks the built document too).
export const problem = {
  'problem.bad_request': 'Die Anfrage war ungültig.',
  'problem.malformed_json': 'Die Anfrage konnte nicht gelesen werden.',
  'problem.invalid_body': 'Einige Angaben sind ungültig.',
  'problem.invalid_query': 'Die Suchangaben sind ungültig.',
  'problem.invalid_path': 'Diese Adresse ist ungültig.',
  'problem.invalid_field': 'Eine Angabe ist ungültig.',
  'problem.body_too_large': 'Die Anfrage ist zu groß.',
  'problem.unsupported_media_type': 'Dieses Format nimmt der Server nicht an.',
  'problem.method_not_allowed': 'Diese Art von Anfrage gibt es hier nicht.',
  'problem.weak_password': 'Dieses Passwort ist zu schwach.',

  'problem.unauthenticated': 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
  'problem.invalid_credentials': 'E-Mail oder Passwort falsch.',
  'problem.invalid_code': 'Der Code stimmt nicht. Bitte versuchen Sie es erneut.',
  'problem.mfa_required': 'Bitte bestätigen Sie die Anmeldung mit Ihrem zweiten Faktor.',
  'problem.mfa_enrolment_required': 'Ihre Organisation verlangt eine Zwei-Faktor-Anmeldung. Bitte richten Sie sie zuerst ein.',
  'problem.passkey_refused': 'Der Passkey wurde nicht angenommen. Bitte versuchen Sie es erneut oder nutzen Sie einen anderen Weg.',
  'problem.csrf_failed': 'Die Anfrage wurde aus Sicherheitsgründen abgelehnt. Bitte laden Sie die Seite neu.',
  'problem.forbidden': 'Das darf Ihre Rolle nicht.',
  'problem.rate_limited': 'Zu viele Versuche, bitte später erneut versuchen.',

  'problem.invitation_invalid': 'Diese Einladung ist ungültig, schon angenommen oder abgelaufen.',
  'problem.link_invalid': 'Dieser Link ist ungültig, schon benutzt oder abgelaufen.',
  'problem.enrolment_invalid': 'Dieser Code ist ungültig, schon benutzt oder abgelaufen.',

  'problem.signature_missing': 'Der Anfrage des Geräts fehlt die Signatur.',
  'problem.device_unknown': 'Dieses Gerät ist nicht bekannt.',
  'problem.device_revoked': 'Dieses Gerät ist widerrufen.',
  'problem.stale_timestamp': 'Die Uhrzeit des Geräts weicht zu stark ab.',
  'problem.bad_nonce': 'Die Anfrage des Geräts ist ungültig.',
  'problem.bad_signature': 'Die Signatur der Anfrage des Geräts stimmt nicht.',
  'problem.replayed_nonce': 'Diese Anfrage des Geräts wurde schon einmal gesendet.',
  'problem.secure_card_invalid': 'Diese sichere Karte ließ sich nicht prüfen: falscher Schlüssel oder gefälschte Nachricht.',
  'problem.secure_card_replayed': 'Diese Nachricht der sicheren Karte wurde schon einmal verwendet: eine Kopie wurde abgelehnt.',
  'problem.secure_card_required': 'Hier gelten nur sichere Karten; eine Karte, die nur ihre Kennung zeigt, wird abgelehnt.',
  'problem.secure_cards_off': 'Sichere Karten sind für diesen Mandanten nicht eingeschaltet.',

  'problem.not_found': 'Das gibt es nicht (mehr).',
  'problem.conflict': 'Das geht im jetzigen Zustand nicht.',
  'problem.admin_limit_reached': 'Das Admin-Limit dieses Mandanten ist erreicht.',
  'problem.last_primary_admin': 'Der letzte primäre Mandanten-Admin kann diese Rolle nicht verlieren.',
  'problem.cannot_disable_self': 'Sie können Ihr eigenes Konto nicht sperren.',
  'problem.already_member': 'Diese Person ist schon Mitglied dieses Mandanten.',
  'problem.already_invited': 'Diese Person ist schon eingeladen.',
  'problem.already_revoked': 'Das ist schon widerrufen.',
  'problem.mfa_required_by_tenant':
    'Ihre Organisation verlangt die Zwei-Faktor-Anmeldung für Ihre Rolle – sie kann nicht ausgeschaltet werden.',
  'problem.no_challenge': 'Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.',
  'problem.no_enrolment': 'Es wird gerade keine Zwei-Faktor-Anmeldung eingerichtet. Bitte beginnen Sie von vorn.',
  'problem.passkey_required_by_tenant':
    'Ihre Organisation verlangt für Ihre Rolle einen Passkey: Der Code aus der App genügt nicht, und der letzte Passkey bleibt.',
  'problem.passkey_sign_in_off': 'Ihre Organisation erlaubt die Anmeldung nur mit Passkey nicht. Bitte melden Sie sich mit Ihrem Passwort an.',
  'problem.totp_pending': 'Die Einrichtung der Zwei-Faktor-Anmeldung ist noch nicht bestätigt.',
  'problem.not_a_draft': 'Nur ein Entwurf kann veröffentlicht werden.',
  'problem.capacity_below_bookings': 'Es gibt schon mehr bestätigte Buchungen als diese Zahl an Plätzen.',
  'problem.booking_closed': 'Die Buchung ist geschlossen: Der Buchungszeitraum hat noch nicht begonnen oder ist vorbei.',
  'problem.event_full': 'Die Veranstaltung ist ausgebucht und hat keine Warteliste.',
  'problem.already_booked': 'Diese Person hat für diese Veranstaltung schon eine Buchung.',
  'problem.already_cancelled': 'Diese Buchung ist schon storniert.',
  'problem.same_event': 'Die Buchung ist schon in dieser Veranstaltung.',
  'problem.email_in_use': 'Eine andere Person hat diese E-Mail-Adresse schon.',
  'problem.restricted': 'Die Daten dieser Person sind eingeschränkt (Art. 18 DSGVO).',
  'problem.notice_too_short': 'Das Datum liegt zu nah: Jeder Mandant muss die Änderung mindestens mit seiner Frist (14 oder 30 Tage) vorher erfahren.',
  'problem.objection_period_over': 'Die Änderung ist schon wirksam; ein Widerspruch war nur bis zum Vortag möglich.',
  'problem.already_objected': 'Ihr Mandant hat dieser Änderung bereits widersprochen.',
  'problem.already_recorded': 'Das ist schon erfasst. Korrigieren Sie bei Bedarf den vorhandenen Eintrag.',
  'problem.already_handled': 'Diese Anfrage ist schon erledigt.',
  'problem.already_erased': 'Die Daten dieser Person sind schon gelöscht.',
  'problem.absence_too_late': 'Der Termin hat schon begonnen. Eine Abwesenheit kann nur vorher gemeldet werden; bitte wenden Sie sich an die Kursleitung.',
  'problem.already_corrected': 'Dieser Eintrag wurde inzwischen schon korrigiert. Die Liste ist aktualisiert.',
  'problem.signature_not_expected': 'Für diesen Eintrag wird keine Unterschrift erwartet (die Veranstaltung verlangt keine, oder es ist kein gültiger Check-in).',
  'problem.list_closed': 'Die Liste dieses Termins ist abgeschlossen. Öffnen Sie sie zuerst mit einer Korrektur wieder.',
  'problem.list_not_closed': 'Die Liste dieses Termins ist nicht abgeschlossen.',
  'problem.tenant_not_active': 'Dieser Mandant ist nicht aktiv.',
  'problem.tenant_read_only':
    'Der Mandant ist schreibgeschützt, weil sein Vertrag endet – es kann nichts mehr geändert werden.',
  'problem.tenant_offboarded': 'Der Vertrag dieses Mandanten ist beendet, seine Daten sind gelöscht.',
  'problem.offboarding_started': 'Das Vertragsende wurde bereits gestartet.',
  'problem.not_offboarding': 'Das Vertragsende ist nicht gestartet.',
  'problem.export_window_open': 'Das geht erst, wenn die 30 Tage für den Export vorbei sind.',
  'problem.sso_required':
    'Ihre Organisation meldet ihr Personal über ihren Anmeldedienst an. Bitte nutzen Sie die Schaltfläche Ihres Anbieters.',
  'problem.sso_failed':
    'Die Anmeldung beim Anbieter konnte nicht abgeschlossen werden (abgelaufen, schon benutzt oder ungültige Antwort). Bitte versuchen Sie es noch einmal.',
  'problem.sso_not_linked':
    'Zu diesem Konto beim Anbieter gibt es hier keinen Zugang. Bitten Sie Ihre Administration um eine Einladung.',
  'problem.sso_unavailable':
    'Der Anmeldedienst Ihrer Organisation antwortet gerade nicht. Bitte versuchen Sie es später noch einmal.',

  'problem.not_ready': 'Der Server startet gerade. Bitte versuchen Sie es gleich noch einmal.',
  'problem.unavailable': 'Der Server ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
  'problem.internal_error': 'Auf dem Server ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut.',
} as const satisfies ProblemTexts;
