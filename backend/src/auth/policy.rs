//! The one permission check (TOM AUTHZ-1, SEP-3, INPUT-3): deny by default; every denial
//! is audited. Routes ask `authorize` and use the scope it grants, never one of their own.

use super::model::Role;
use super::service::Principal;
use crate::audit::model::Visibility;
use crate::audit::{self, Action, Event, Outcome};
use crate::db::TenantScope;
use crate::error::AppError;
use crate::http::ApiError;
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    AuditRead,
    AuditExport,
    AuditVerify,
    DeletionLogRead,
    MemberSessionsEnd,
    LocationsRead,
    LocationsWrite,
    /// The access review: members, roles, last sign-in (TOM AUTHZ-5).
    MembersRead,
    /// Invite, change roles, disable members.
    MembersWrite,
    /// Grant or take away admin roles: primary tenant admins only (TOM AUTHZ-3).
    AdminRolesGrant,
    CompaniesRead,
    CompaniesWrite,
    TenantSecurityWrite,
    /// Events and courses the caller may see (instructors: theirs; company admins: their companies').
    EventsRead,
    EventsWrite,
    /// Bookings with participants' personal data, of the events the caller may see.
    BookingsRead,
    /// Cancel and move bookings.
    BookingsWrite,
    /// Search participants across events.
    ParticipantsRead,
    /// The consent text of the booking pages.
    BookingSettingsWrite,
    /// The device list (organisers need it to bind cards).
    DevicesRead,
    /// Enrol, configure and revoke check-in devices.
    DevicesManage,
    /// Bind NFC cards to participants.
    CardsWrite,
    /// Attendance lists and records of the events the caller may see.
    AttendanceRead,
    /// Manual check-ins and corrections, for the events the caller may see.
    AttendanceWrite,
    /// Open the live kiosk screen.
    KioskView,
    /// The queue of requests about personal data; restriction and erasure (tenant admins).
    SubjectRequestsManage,
    /// End the tenant: offboarding (primary tenant admins; TOM DEL-1).
    OffboardingStart,
    /// The offboarding's status and the export archive (tenant admins; TOM DEL-2).
    OffboardingRead,
    /// Start any tenant's offboarding, see its status, hand out its deletion certificate
    /// (platform admins; never the archive with the tenant's personal data).
    PlatformOffboarding,
    /// The tenant's retention periods and what is due next (TOM PRIV-6; tenant admins).
    RetentionManage,
    /// The tenant's generated processing record (TOM RIGHTS-3; tenant admins).
    ProcessingRecordRead,
}

impl Permission {
    pub fn code(self) -> &'static str {
        match self {
            Self::AuditRead => "audit.read",
            Self::AuditExport => "audit.export",
            Self::AuditVerify => "audit.verify",
            Self::DeletionLogRead => "deletion_log.read",
            Self::MemberSessionsEnd => "member_sessions.end",
            Self::LocationsRead => "locations.read",
            Self::LocationsWrite => "locations.write",
            Self::MembersRead => "members.read",
            Self::MembersWrite => "members.write",
            Self::AdminRolesGrant => "admin_roles.grant",
            Self::CompaniesRead => "companies.read",
            Self::CompaniesWrite => "companies.write",
            Self::TenantSecurityWrite => "tenant_security.write",
            Self::EventsRead => "events.read",
            Self::EventsWrite => "events.write",
            Self::BookingsRead => "bookings.read",
            Self::BookingsWrite => "bookings.write",
            Self::ParticipantsRead => "participants.read",
            Self::BookingSettingsWrite => "booking_settings.write",
            Self::DevicesRead => "devices.read",
            Self::DevicesManage => "devices.manage",
            Self::CardsWrite => "cards.write",
            Self::AttendanceRead => "attendance.read",
            Self::AttendanceWrite => "attendance.write",
            Self::KioskView => "kiosk.view",
            Self::SubjectRequestsManage => "subject_requests.manage",
            Self::OffboardingStart => "offboarding.start",
            Self::OffboardingRead => "offboarding.read",
            Self::PlatformOffboarding => "platform.offboarding",
            Self::RetentionManage => "retention.manage",
            Self::ProcessingRecordRead => "processing_record.read",
        }
    }
}

/// What a permission grants: the tenant to act in (none: the platform) and, for audit
/// reads, the slice of the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub scope: Option<TenantScope>,
    pub visibility: Visibility,
}

/// The decision, without side effects.
pub fn decide(p: &Principal, permission: Permission) -> Option<Grant> {
    use Permission::*;
    let whole = |scope: Option<TenantScope>| Some(Grant { scope, visibility: Visibility::WholeChain });
    // Platform work on tenants: the tenant comes from the platform route, not the session.
    if permission == PlatformOffboarding {
        return if p.is_platform_admin { whole(None) } else { None };
    }
    let Some(tenant) = p.tenant.clone() else {
        // Outside any tenant only platform admins act, and only on platform records.
        return match permission {
            AuditRead | AuditExport | AuditVerify if p.is_platform_admin => whole(None),
            _ => None,
        };
    };
    // Partner admins act like tenant admins in each of their tenants, but are never primary.
    let admin = p.has_role(Role::TenantAdmin) || p.has_role(Role::PartnerAdmin);
    let primary = p.memberships.iter().any(|m| m.role == Role::TenantAdmin.code() && m.is_primary);
    match permission {
        AuditRead | AuditExport if admin => whole(Some(tenant)),
        AuditRead | AuditExport if p.has_role(Role::CompanyAdmin) => {
            let companies = p.memberships.iter().filter(|m| m.role == Role::CompanyAdmin.code()).filter_map(|m| m.company_id.clone()).collect();
            Some(Grant { scope: Some(tenant), visibility: Visibility::Companies(companies) })
        }
        AuditVerify | DeletionLogRead | MemberSessionsEnd | MembersRead | MembersWrite | CompaniesWrite | TenantSecurityWrite | BookingSettingsWrite | DevicesManage | SubjectRequestsManage | RetentionManage | ProcessingRecordRead if admin => {
            whole(Some(tenant))
        }
        AdminRolesGrant | OffboardingStart if primary => whole(Some(tenant)),
        OffboardingRead if admin => whole(Some(tenant)),
        CompaniesRead if admin || p.has_role(Role::Organiser) => whole(Some(tenant)),
        LocationsRead if p.roles().iter().any(|r| *r != Role::Participant) => whole(Some(tenant)),
        LocationsWrite if admin || p.has_role(Role::Organiser) => whole(Some(tenant)),
        EventsWrite | BookingsWrite | ParticipantsRead | CardsWrite | DevicesRead if admin || p.has_role(Role::Organiser) => whole(Some(tenant)),
        // Instructors check people into the sessions they teach (rows narrowed by `EventAccess`).
        AttendanceWrite | KioskView if admin || p.has_role(Role::Organiser) || p.has_role(Role::Instructor) => whole(Some(tenant)),
        // Which events: `events::service::EventAccess` narrows it per row.
        EventsRead | BookingsRead | AttendanceRead if p.roles().iter().any(|r| *r != Role::Participant) => whole(Some(tenant)),
        _ => None,
    }
}

/// Decides and, on denial, records it and answers 403. Blocking (writes the audit entry).
pub fn authorize(state: &AppState, p: &Principal, permission: Permission) -> Result<Grant, ApiError> {
    Ok(require(state, p, permission)?)
}

/// `authorize` for services: the denial is recorded, then `AppError::Forbidden`.
pub fn require(state: &AppState, p: &Principal, permission: Permission) -> Result<Grant, AppError> {
    if let Some(grant) = decide(p, permission) {
        return Ok(grant);
    }
    let event = Event::new(Action::PermissionDenied, "permission", Some(permission.code())).outcome(Outcome::Denied);
    let record = |tx: &mut crate::db::Tx<'_>| audit::record(tx, &p.audit, event).map(|_| ());
    match &p.tenant {
        Some(scope) => state.db.tenant_tx(scope, record)?,
        None => state.db.platform_tx(record)?,
    }
    Err(AppError::Forbidden)
}
