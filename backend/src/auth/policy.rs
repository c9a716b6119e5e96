//! The one permission check (TOM AUTHZ-1, SEP-3, INPUT-3): deny by default; every denial
//! is audited. Routes ask `authorize` and use the scope it grants, never one of their own.

use super::model::Role;
use super::service::Principal;
use crate::audit::model::Visibility;
use crate::audit::{self, Action, Event, Outcome};
use crate::db::TenantScope;
use crate::error::AppError;
use crate::state::AppState;

closed_set! {
    /// What a caller may do; `/api/v1/auth/me` lists the ones the server grants.
    pub enum Permission {
        AuditRead = "audit.read",
        AuditExport = "audit.export",
        AuditVerify = "audit.verify",
        DeletionLogRead = "deletion_log.read",
        MemberSessionsEnd = "member_sessions.end",
        LocationsRead = "locations.read",
        LocationsWrite = "locations.write",
        /// The access review: members, roles, last sign-in (TOM AUTHZ-5).
        MembersRead = "members.read",
        /// Invite, change roles, disable members.
        MembersWrite = "members.write",
        /// Grant or take away admin roles: primary tenant admins only (TOM AUTHZ-3).
        AdminRolesGrant = "admin_roles.grant",
        CompaniesRead = "companies.read",
        CompaniesWrite = "companies.write",
        TenantSecurityWrite = "tenant_security.write",
        /// Events and courses the caller may see (instructors: theirs; company admins: their companies').
        EventsRead = "events.read",
        EventsWrite = "events.write",
        /// Bookings with participants' personal data, of the events the caller may see.
        BookingsRead = "bookings.read",
        /// Cancel and move bookings.
        BookingsWrite = "bookings.write",
        /// Search participants across events.
        ParticipantsRead = "participants.read",
        /// The consent text of the booking pages.
        BookingSettingsWrite = "booking_settings.write",
        /// The device list (organisers need it to bind cards).
        DevicesRead = "devices.read",
        /// Enrol, configure and revoke check-in devices.
        DevicesManage = "devices.manage",
        /// Bind NFC cards to participants.
        CardsWrite = "cards.write",
        /// Attendance lists and records of the events the caller may see.
        AttendanceRead = "attendance.read",
        /// Manual check-ins and corrections, for the events the caller may see.
        AttendanceWrite = "attendance.write",
        /// The reports page: figures of the events the caller may see (issue 21).
        ReportsRead = "reports.read",
        /// Open the live kiosk screen.
        KioskView = "kiosk.view",
        /// The queue of requests about personal data; restriction and erasure (tenant admins).
        SubjectRequestsManage = "subject_requests.manage",
        /// End the tenant: offboarding (primary tenant admins; TOM DEL-1).
        OffboardingStart = "offboarding.start",
        /// The offboarding's status and the export archive (tenant admins; TOM DEL-2).
        OffboardingRead = "offboarding.read",
        /// Start any tenant's offboarding, see its status, hand out its deletion certificate
        /// (platform admins; never the archive with the tenant's personal data).
        PlatformOffboarding = "platform.offboarding",
        /// The platform's backups: last backup and verification (platform admins).
        PlatformBackups = "platform.backups",
        /// The platform console's tenant list (status and counts only, TOM AUTHZ-3) and
        /// new tenants with their first primary admin (platform admins).
        PlatformTenants = "platform.tenants",
        /// The platform's state: versions, database, jobs, devices, outbox (platform admins).
        PlatformStatus = "platform.status",
        /// The incident register: open incidents, compute their scope, send notifications
        /// and follow-ups, export (platform admins; TOM BREACH-1, BREACH-2).
        PlatformIncidents = "platform.incidents",
        /// The tenant's breach notifications ("Vorfälle"): read and acknowledge (tenant
        /// and partner admins; TOM BREACH-1).
        IncidentsRead = "incidents.read",
        /// The tenant's retention periods and what is due next (TOM PRIV-6; tenant admins).
        RetentionManage = "retention.manage",
        /// The tenant's generated processing record (TOM RIGHTS-3; tenant admins).
        ProcessingRecordRead = "processing_record.read",
        /// Identity providers, their role mappings and "SSO only" (primary tenant admins:
        /// a mapping can grant admin roles, TOM ACC-7, AUTHZ-3).
        SsoManage = "sso.manage",
        /// Webhook and Teams endpoints, their events and deliveries (tenant admins; TOM TRANS-6).
        WebhooksManage = "webhooks.manage",
        /// The sub-processor register: planned changes, objections, notice periods (platform
        /// admins; TOM SUB-1, TRANS-5).
        PlatformSubprocessors = "platform.subprocessors",
        /// The tenant's page "Unterauftragsverarbeiter": the register and planned changes
        /// (tenant and partner admins; TOM SUB-1).
        SubprocessorsRead = "subprocessors.read",
        /// Object to a planned change (tenant and partner admins; TOM SUB-1).
        SubprocessorsObject = "subprocessors.object",
        /// The TOM evidence report across tenants, counts only, and its signed export
        /// (platform admins; TOM REVIEW-1).
        PlatformToms = "platform.toms",
        /// The tenant's view of the TOM evidence report and its signed export (tenant and
        /// partner admins; TOM REVIEW-1).
        TomsRead = "toms.read",
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
    if matches!(
        permission,
        PlatformOffboarding | PlatformBackups | PlatformTenants | PlatformStatus | PlatformIncidents | PlatformSubprocessors | PlatformToms
    ) {
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
    let primary = p.memberships.iter().any(|m| m.role == Role::TenantAdmin.as_str() && m.is_primary);
    match permission {
        AuditRead | AuditExport if admin => whole(Some(tenant)),
        AuditRead | AuditExport if p.has_role(Role::CompanyAdmin) => {
            let companies =
                p.memberships.iter().filter(|m| m.role == Role::CompanyAdmin.as_str()).filter_map(|m| m.company_id.clone()).collect();
            Some(Grant { scope: Some(tenant), visibility: Visibility::Companies(companies) })
        }
        AuditVerify
        | DeletionLogRead
        | MemberSessionsEnd
        | MembersRead
        | MembersWrite
        | CompaniesWrite
        | TenantSecurityWrite
        | BookingSettingsWrite
        | DevicesManage
        | SubjectRequestsManage
        | RetentionManage
        | ProcessingRecordRead
        | IncidentsRead
        | SubprocessorsRead
        | SubprocessorsObject
        | WebhooksManage
        | TomsRead
            if admin =>
        {
            whole(Some(tenant))
        }
        AdminRolesGrant | OffboardingStart | SsoManage if primary => whole(Some(tenant)),
        OffboardingRead if admin => whole(Some(tenant)),
        CompaniesRead if admin || p.has_role(Role::Organiser) => whole(Some(tenant)),
        LocationsRead if p.roles().iter().any(|r| *r != Role::Participant) => whole(Some(tenant)),
        LocationsWrite if admin || p.has_role(Role::Organiser) => whole(Some(tenant)),
        EventsWrite | BookingsWrite | ParticipantsRead | CardsWrite | DevicesRead if admin || p.has_role(Role::Organiser) => {
            whole(Some(tenant))
        }
        // Instructors check people into the sessions they teach (rows narrowed by `EventAccess`).
        AttendanceWrite | KioskView if admin || p.has_role(Role::Organiser) || p.has_role(Role::Instructor) => whole(Some(tenant)),
        // Which events: `events::service::EventAccess` narrows it per row.
        EventsRead | BookingsRead | AttendanceRead | ReportsRead if p.roles().iter().any(|r| *r != Role::Participant) => {
            whole(Some(tenant))
        }
        _ => None,
    }
}

/// Decides and, on denial, records it and answers `Forbidden` (403). Blocking (writes the
/// audit entry).
pub fn authorize(state: &AppState, p: &Principal, permission: Permission) -> Result<Grant, AppError> {
    if let Some(grant) = decide(p, permission) {
        return Ok(grant);
    }
    let event = Event::new(Action::PermissionDenied, "permission", Some(permission.as_str())).outcome(Outcome::Denied);
    state.db.tx_in(p.tenant.as_ref(), |tx| audit::record(tx, &p.audit, event).map(|_| ()))?;
    Err(AppError::Forbidden)
}
