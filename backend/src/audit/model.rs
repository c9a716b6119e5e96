use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use super::IpHash;
use crate::db::schema::audit_entries;

/// Declares the closed set of audited actions with their stable string codes.
macro_rules! actions {
    ($($variant:ident => $code:literal,)*) => {
        /// What happened. The codes are stable: exports and filters use them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action { $($variant,)* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            pub fn code(self) -> &'static str {
                match self { $(Action::$variant => $code,)* }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    TenantCreated => "tenant.created",
    PlatformAdminCreated => "account.platform_admin_created",
    IpHashKeyCreated => "crypto.ip_hash_key_created",
    IpHashKeyDestroyed => "crypto.ip_hash_key_destroyed",
    LocationCreated => "location.created",
    LocationUpdated => "location.updated",
    AuditExported => "audit.exported",
    AuditPruned => "audit.pruned",
    DeletionLogExported => "deletion_log.exported",
    DeletionRecorded => "deletion.recorded",
    AccountCreated => "account.created",
    MembershipGranted => "membership.granted",
    SignInSucceeded => "auth.sign_in_succeeded",
    SignInFailed => "auth.sign_in_failed",
    SessionEnded => "auth.session_ended",
    SessionExpired => "auth.session_expired",
    RateLimited => "auth.rate_limited",
    PermissionDenied => "auth.permission_denied",
    PasswordChanged => "auth.password_changed",
    PasswordResetRequested => "auth.password_reset_requested",
    PasswordReset => "auth.password_reset",
    MfaChallengePassed => "auth.mfa_passed",
    MfaChallengeFailed => "auth.mfa_failed",
    MfaLocked => "auth.mfa_locked",
    RecoveryCodeUsed => "auth.recovery_code_used",
    TotpEnabled => "auth.totp_enabled",
    TotpDisabled => "auth.totp_disabled",
    PasskeyAdded => "auth.passkey_added",
    PasskeyRemoved => "auth.passkey_removed",
    PasskeyCloneSuspected => "auth.passkey_clone_suspected",
    FactorsReset => "auth.factors_reset",
    TenantSwitched => "auth.tenant_switched",
    MembershipChanged => "membership.changed",
    MembershipRevoked => "membership.revoked",
    MemberDisabled => "membership.disabled",
    MemberEnabled => "membership.enabled",
    InvitationCreated => "invitation.created",
    InvitationAccepted => "invitation.accepted",
    InvitationRevoked => "invitation.revoked",
    CompanyCreated => "company.created",
    TenantSecurityChanged => "tenant.security_changed",
    MailSent => "mail.sent",
    MailFailed => "mail.failed",
    EventCreated => "event.created",
    EventUpdated => "event.updated",
    EventPublished => "event.published",
    BookingSettingsChanged => "tenant.booking_settings_changed",
    TenantPublicPagesChanged => "tenant.public_pages_changed",
    CalendarFeedCreated => "calendar_feed.created",
    CalendarFeedRevoked => "calendar_feed.revoked",
    ParticipantCreated => "participant.created",
    ParticipantUpdated => "participant.updated",
    BookingCreated => "booking.created",
    BookingRequested => "booking.requested",
    BookingCancelled => "booking.cancelled",
    BookingPromoted => "booking.promoted",
    BookingMoved => "booking.moved",
    BookingsExported => "booking.exported",
    BookingsImported => "booking.imported",
    MailTemplateChanged => "tenant.mail_template_changed",
    MagicLinkRequested => "participant.magic_link_requested",
    ParticipantSignedIn => "participant.signed_in",
    ParticipantSignInFailed => "participant.sign_in_failed",
    ParticipantSignedOut => "participant.signed_out",
    ParticipantDataExported => "participant.data_exported",
    ParticipantUnsubscribed => "participant.unsubscribed",
    ParticipantResubscribed => "participant.resubscribed",
    SubjectRequestReceived => "subject_request.received",
    ParticipantErased => "participant.erased",
    ParticipantRestricted => "participant.restricted",
    ParticipantRestrictionLifted => "participant.restriction_lifted",
    SubjectRequestExecuted => "subject_request.executed",
    RetentionSettingsChanged => "tenant.retention_settings_changed",
    RetentionRun => "retention.run",
    ProcessingRecordViewed => "processing_record.viewed",
    DeviceEnrolmentCreated => "device.enrolment_created",
    DeviceEnrolled => "device.enrolled",
    DeviceConfigured => "device.configured",
    DeviceRevoked => "device.revoked",
    DeviceRequestRefused => "device.request_refused",
    CardEnrolmentStarted => "card.enrolment_started",
    CardBound => "card.bound",
    TapRefused => "attendance.tap_refused",
    SecureCardSettingsChanged => "tenant.secure_cards_changed",
    SecureCardKeysIssued => "card.keys_issued",
    SecureCardRefused => "card.secure_tap_refused",
    AttendanceRecorded => "attendance.recorded",
    AttendanceCorrected => "attendance.corrected",
    AttendanceExported => "attendance.exported",
    SignatureCollected => "attendance.signature_collected",
    AttendanceListClosed => "attendance.list_closed",
    AttendanceListReopened => "attendance.list_reopened",
    AbsenceRecorded => "absence.recorded",
    AbsenceReported => "absence.reported",
    AbsenceSettingsChanged => "absence.settings_changed",
    AbsenceAlertSent => "absence.alert_sent",
    DocumentIssued => "document.issued",
    TenantOffboardingStarted => "tenant.offboarding_started",
    TenantArchiveDownloaded => "tenant.archive_downloaded",
    TenantDataDeleted => "tenant.data_deleted",
    TenantKeysDestroyed => "crypto.tenant_keys_destroyed",
    DeletionCertificateIssued => "tenant.deletion_certificate_issued",
    DeletionCertificateDownloaded => "tenant.deletion_certificate_downloaded",
    SsoProviderCreated => "sso.provider_created",
    SsoProviderUpdated => "sso.provider_updated",
    SsoProviderDeleted => "sso.provider_deleted",
    SsoSettingsChanged => "sso.settings_changed",
    SsoIdentityLinked => "sso.identity_linked",
    SsoBackchannelLogout => "sso.backchannel_logout",
    BackupCreated => "backup.created",
    BackupFailed => "backup.failed",
    BackupVerified => "backup.verified",
    BackupVerifyFailed => "backup.verify_failed",
    BackupsPruned => "backup.pruned",
    BackupRestored => "backup.restored",
    BackupOffboardingReapplied => "backup.offboarding_reapplied",
    SecurityEventsDetected => "security.events_detected",
    IncidentOpened => "incident.opened",
    IncidentTenantAffected => "incident.tenant_affected",
    IncidentNoticeEdited => "incident.notice_edited",
    IncidentNoticeSent => "incident.notice_sent",
    IncidentAcknowledged => "incident.acknowledged",
    IncidentUpdated => "incident.updated",
    IncidentUpdateSent => "incident.update_sent",
    IncidentClosed => "incident.closed",
    IncidentExported => "incident.exported",
    TomsReportExported => "toms.report_exported",
    SigningKeyRecorded => "crypto.signing_key_recorded",
    WebhookEndpointCreated => "webhook.endpoint_created",
    WebhookEndpointUpdated => "webhook.endpoint_updated",
    WebhookEndpointDeleted => "webhook.endpoint_deleted",
    WebhookEndpointDisabled => "webhook.endpoint_disabled",
    WebhookSecretRotated => "webhook.secret_rotated",
    WebhookDelivered => "webhook.delivered",
    WebhookDeliveryFailed => "webhook.delivery_failed",
    WebhookDeliveryRefused => "webhook.delivery_refused",
    SubprocessorChangePlanned => "subprocessor.change_planned",
    SubprocessorChangeNotified => "subprocessor.change_notified",
    SubprocessorObjected => "subprocessor.objected",
    SubprocessorNoticePeriodSet => "subprocessor.notice_period_set",
}

impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A signed-in staff account.
    Account,
    /// A participant (signed in by magic link).
    Participant,
    /// An enrolled check-in device.
    Device,
    /// An operator command on the server (CLI).
    Operator,
    /// The platform itself (scheduled jobs).
    System,
}

impl ActorKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Participant => "participant",
            Self::Device => "device",
            Self::Operator => "operator",
            Self::System => "system",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<String>,
    /// The role the actor acted in, e.g. `tenant_admin`.
    pub role: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

/// Who acts, when, and from where (hashed), shared by every entry of one request or job.
#[derive(Clone, Debug)]
pub struct AuditContext {
    pub actor: Actor,
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub ip: Option<IpHash>,
}

impl AuditContext {
    /// An operator command on the server (CLI).
    pub fn operator(at: DateTime<Utc>) -> Self {
        Self { actor: Actor { kind: ActorKind::Operator, id: None, role: Some("operator".into()) }, at, request_id: None, ip: None }
    }

    /// A scheduled job of the platform.
    pub fn system(at: DateTime<Utc>) -> Self {
        Self { actor: Actor { kind: ActorKind::System, id: None, role: None }, at, request_id: None, ip: None }
    }
}

/// Largest detail object, serialised. Details are small facts (ids, counts, codes).
pub const MAX_DETAIL_BYTES: usize = 2048;

/// One thing to record.
#[derive(Clone, Debug)]
pub struct Event {
    pub action: Action,
    pub target_type: &'static str,
    pub target_id: Option<String>,
    pub outcome: Outcome,
    /// Pseudonymous reference of the person the entry is about (e.g. participant id),
    /// for the participant's own view (INPUT-3).
    pub subject_ref: Option<String>,
    /// Company of that person, for company admins' view (INPUT-3, SEP-3).
    pub company_id: Option<String>,
    pub detail: Map<String, Value>,
}

impl Event {
    pub fn new(action: Action, target_type: &'static str, target_id: Option<&str>) -> Self {
        Self {
            action,
            target_type,
            target_id: target_id.map(str::to_owned),
            outcome: Outcome::Success,
            subject_ref: None,
            company_id: None,
            detail: Map::new(),
        }
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn subject(mut self, subject_ref: &str, company_id: Option<&str>) -> Self {
        self.subject_ref = Some(subject_ref.to_owned());
        self.company_id = company_id.map(str::to_owned);
        self
    }

    /// Adds a detail. Only ids, counts and codes belong here, never personal data.
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.detail.insert(key.to_owned(), value.into());
        self
    }
}

/// A sealed entry: what every reader of the chain gets.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq, Serialize)]
#[diesel(table_name = audit_entries)]
pub struct Entry {
    pub chain: String,
    pub seq: i64,
    pub id: String,
    #[serde(with = "crate::timestamp")]
    pub occurred_at: NaiveDateTime,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub outcome: String,
    pub subject_ref: Option<String>,
    pub company_id: Option<String>,
    pub request_id: Option<String>,
    #[serde(serialize_with = "hex_opt")]
    pub ip_hash: Option<Vec<u8>>,
    pub ip_key_id: Option<String>,
    pub detail: String,
    #[serde(serialize_with = "hex_bytes")]
    pub prev_hash: Vec<u8>,
    #[serde(serialize_with = "hex_bytes")]
    pub entry_hash: Vec<u8>,
}

/// An entry as `record` writes it: its content, not yet sealed (no seq, prev_hash or
/// entry_hash, which the sealer sets once). Readers get sealed entries only (`Entry`).
/// Inserted with `None` as NULL, so the connection keeps the insert prepared (see
/// `attendance::model::AttendanceRow`).
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = audit_entries, treat_none_as_default_value = false)]
pub struct NewEntry {
    pub chain: String,
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub outcome: String,
    pub subject_ref: Option<String>,
    pub company_id: Option<String>,
    pub request_id: Option<String>,
    pub ip_hash: Option<Vec<u8>>,
    pub ip_key_id: Option<String>,
    pub detail: String,
}

impl NewEntry {
    /// The entry at `seq`, linked to `prev_hash`, with its hash (TOM INPUT-5).
    pub fn seal(self, seq: i64, prev_hash: Vec<u8>) -> Entry {
        let mut entry = Entry {
            chain: self.chain,
            seq,
            id: self.id,
            occurred_at: self.occurred_at,
            actor_type: self.actor_type,
            actor_id: self.actor_id,
            actor_role: self.actor_role,
            action: self.action,
            target_type: self.target_type,
            target_id: self.target_id,
            outcome: self.outcome,
            subject_ref: self.subject_ref,
            company_id: self.company_id,
            request_id: self.request_id,
            ip_hash: self.ip_hash,
            ip_key_id: self.ip_key_id,
            detail: self.detail,
            prev_hash,
            entry_hash: Vec::new(),
        };
        entry.entry_hash = super::chain::hash(&entry);
        entry
    }
}

fn hex_bytes<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

fn hex_opt<S: serde::Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => s.serialize_str(&hex::encode(b)),
        None => s.serialize_none(),
    }
}

/// The chain name of the platform's own events.
pub const PLATFORM_CHAIN: &str = "platform";

/// Which slice of a chain a viewer may see (TOM INPUT-3). Built from the viewer's role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Tenant admins (inside their tenant) and platform admins (platform chain).
    WholeChain,
    /// Company admins: entries about their companies' people.
    Companies(Vec<String>),
    /// A participant: entries about themselves.
    Subject(String),
}

/// Filters of the audit view; all optional, combined with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(with = "crate::timestamp::option", default)]
    pub from: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option", default)]
    pub to: Option<NaiveDateTime>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
}
