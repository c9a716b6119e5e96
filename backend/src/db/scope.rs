/// The only key to tenant data (TOM SEP-2, AUTHZ-2).
///
/// A scope is built from a verified session by the request context, or by an operator
/// command that names the tenant explicitly. Never from a path, header or body value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantScope {
    tenant_id: String,
}

impl TenantScope {
    /// For server-side operator commands (CLI, scheduled jobs) that name the tenant.
    pub fn named_by_operator(tenant_id: impl Into<String>) -> Self {
        Self { tenant_id: tenant_id.into() }
    }

    /// For a request: the tenant of the verified session (`auth::service::authenticate`).
    pub(crate) fn named_by_session(tenant_id: String) -> Self {
        Self { tenant_id }
    }

    /// For a request carrying a verified single-use token (an invitation link): the
    /// tenant the token was issued in.
    pub(crate) fn named_by_token(tenant_id: String) -> Self {
        Self { tenant_id }
    }

    /// For an identity provider's back-channel call that names the provider: the tenant
    /// the provider belongs to. Nothing changes before the call's signed token is verified
    /// with that provider's keys (TOM ACC-7).
    pub(crate) fn named_by_identity_provider(tenant_id: String) -> Self {
        Self { tenant_id }
    }

    /// For a public page (booking, sign-in link request) of the tenant the URL names by
    /// its slug: only published events and the caller's own data are reachable from it.
    pub(crate) fn named_by_public_page(tenant_id: String) -> Self {
        Self { tenant_id }
    }

    /// For a device request whose signature was verified with the device's secret: the
    /// tenant the device is enrolled in.
    pub(crate) fn named_by_device(tenant_id: String) -> Self {
        Self { tenant_id }
    }

    /// For a platform admin's action on a tenant's lifecycle (offboarding: start it, see
    /// its status, hand out the certificate), the tenant named in the platform route's
    /// path. Such services change the tenant's status and write its audit chain; they
    /// never read its personal data (the export archive is for the tenant's admins only).
    pub(crate) fn named_by_platform_admin(tenant_id: String) -> Self {
        Self { tenant_id }
    }

    /// For an account's own event without a session (a password reset): the tenant of its
    /// first enabled membership, whose chain records its sign-ins too. Only the audit entry
    /// is written there; no tenant data is read.
    pub(crate) fn named_by_membership(tenant_id: String) -> Self {
        Self { tenant_id }
    }

    /// For a notification this database sent on the commit of a change in a tenant (the
    /// kiosk feed between server nodes, `db::listen`): the tenant the change was made in.
    pub(crate) fn named_by_notification(tenant_id: String) -> Self {
        Self { tenant_id }
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }
}
