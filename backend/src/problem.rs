//! The closed set of problem codes every error answer carries (`Problem.code`). The
//! OpenAPI document lists them, the UI's typed client gets them as a union and has a
//! German and an English text for each. A code is a promise to clients: rename none.

closed_set! {
    /// Stable machine-readable code of a problem answer.
    pub enum ProblemCode {
        // Requests the server cannot read.
        BadRequest = "bad_request",
        MalformedJson = "malformed_json",
        InvalidBody = "invalid_body",
        InvalidQuery = "invalid_query",
        InvalidPath = "invalid_path",
        InvalidField = "invalid_field",
        BodyTooLarge = "body_too_large",
        UnsupportedMediaType = "unsupported_media_type",
        MethodNotAllowed = "method_not_allowed",
        WeakPassword = "weak_password",
        // Who is asking.
        Unauthenticated = "unauthenticated",
        InvalidCredentials = "invalid_credentials",
        InvalidCode = "invalid_code",
        MfaRequired = "mfa_required",
        MfaEnrolmentRequired = "mfa_enrolment_required",
        PasskeyRefused = "passkey_refused",
        CsrfFailed = "csrf_failed",
        Forbidden = "forbidden",
        RateLimited = "rate_limited",
        // Token links that are unknown, used or expired.
        InvitationInvalid = "invitation_invalid",
        LinkInvalid = "link_invalid",
        EnrolmentInvalid = "enrolment_invalid",
        // Signed device requests (TOM TRANS-2).
        SignatureMissing = "signature_missing",
        DeviceUnknown = "device_unknown",
        DeviceRevoked = "device_revoked",
        StaleTimestamp = "stale_timestamp",
        BadNonce = "bad_nonce",
        BadSignature = "bad_signature",
        ReplayedNonce = "replayed_nonce",
        // Secure cards (NTAG 424 DNA): a message that does not verify, an old one again,
        // a secure card read by its UID alone, secure cards not turned on.
        SecureCardInvalid = "secure_card_invalid",
        SecureCardReplayed = "secure_card_replayed",
        SecureCardRequired = "secure_card_required",
        SecureCardsOff = "secure_cards_off",
        // Rules of the domain that refuse a change.
        NotFound = "not_found",
        Conflict = "conflict",
        AdminLimitReached = "admin_limit_reached",
        LastPrimaryAdmin = "last_primary_admin",
        CannotDisableSelf = "cannot_disable_self",
        AlreadyMember = "already_member",
        AlreadyInvited = "already_invited",
        AlreadyRevoked = "already_revoked",
        MfaRequiredByTenant = "mfa_required_by_tenant",
        NoChallenge = "no_challenge",
        NoEnrolment = "no_enrolment",
        PasskeyRequiredByTenant = "passkey_required_by_tenant",
        PasskeySignInOff = "passkey_sign_in_off",
        TotpPending = "totp_pending",
        NotADraft = "not_a_draft",
        CapacityBelowBookings = "capacity_below_bookings",
        BookingClosed = "booking_closed",
        EventFull = "event_full",
        AlreadyBooked = "already_booked",
        AlreadyCancelled = "already_cancelled",
        SameEvent = "same_event",
        EmailInUse = "email_in_use",
        Restricted = "restricted",
        AlreadyRecorded = "already_recorded",
        AlreadyHandled = "already_handled",
        AlreadyErased = "already_erased",
        AlreadyCorrected = "already_corrected",
        /// The event does not ask for signatures, or the record is not a check-in in force.
        SignatureNotExpected = "signature_not_expected",
        /// The session's list is closed: re-open it with a correction first.
        ListClosed = "list_closed",
        /// The session's list is not closed.
        ListNotClosed = "list_not_closed",
        /// A participant reports an absence only before the session starts.
        AbsenceTooLate = "absence_too_late",
        TenantNotActive = "tenant_not_active",
        TenantReadOnly = "tenant_read_only",
        TenantOffboarded = "tenant_offboarded",
        OffboardingStarted = "offboarding_started",
        NotOffboarding = "not_offboarding",
        ExportWindowOpen = "export_window_open",
        // The sub-processor register (TOM SUB-1).
        /// A planned change's effective date is closer than a tenant's notice period.
        NoticeTooShort = "notice_too_short",
        /// The change has taken effect: objections were accepted until the day before.
        ObjectionPeriodOver = "objection_period_over",
        /// The tenant objected to this change already.
        AlreadyObjected = "already_objected",
        // Single sign-on (TOM ACC-7).
        /// The tenant requires its providers; a local password does not open it.
        SsoRequired = "sso_required",
        /// The provider's answer did not pass the checks, or the sign-in expired or was used.
        SsoFailed = "sso_failed",
        /// No account is linked to this identity, and provisioning does not make one.
        SsoNotLinked = "sso_not_linked",
        /// The provider or directory did not answer in time.
        SsoUnavailable = "sso_unavailable",
        // The server itself.
        NotReady = "not_ready",
        Unavailable = "unavailable",
        InternalError = "internal_error",
    }
}
