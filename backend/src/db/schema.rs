// Hand-written to match migrations/{sqlite,postgres}; the schema-parity test keeps the
// two backends equal. Only types both backends share.

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        status -> Text,
        is_demo -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        mfa_required_for_admins -> Bool,
        booking_consent_text -> Nullable<Text>,
        sso_only -> Bool,
        sso_break_glass_account_id -> Nullable<Text>,
        passkey_sign_in_allowed -> Bool,
        passkeys_required_for_admins -> Bool,
        time_zone -> Text,
        public_list_enabled -> Bool,
        embed_origins -> Text,
    }
}

diesel::table! {
    tenant_keys (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        purpose -> Text,
        wrapped_key -> Nullable<Binary>,
        master_key_id -> Text,
        created_at -> Timestamp,
        destroyed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scheduled_jobs (name) {
        name -> Text,
        last_started_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_failure_at -> Nullable<Timestamp>,
        runs -> BigInt,
    }
}

diesel::table! {
    audit_verifications (id) {
        id -> Text,
        checked_at -> Timestamp,
        chains -> BigInt,
        broken -> BigInt,
    }
}

diesel::table! {
    ip_hash_keys (id) {
        id -> Text,
        valid_from -> Timestamp,
        valid_until -> Timestamp,
        wrapped_key -> Nullable<Binary>,
        master_key_id -> Text,
        created_at -> Timestamp,
        destroyed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    locations (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        parent_id -> Nullable<Text>,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        email_ciphertext -> Binary,
        email_index -> Binary,
        password_hash -> Text,
        is_platform_admin -> Bool,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_sign_in_at -> Nullable<Timestamp>,
        totp_secret_ciphertext -> Nullable<Binary>,
        totp_pending_ciphertext -> Nullable<Binary>,
        totp_enabled_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
        factor_failures -> Integer,
        factor_locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    memberships (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        account_id -> Text,
        role -> Text,
        is_primary -> Bool,
        company_id -> Nullable<Text>,
        created_at -> Timestamp,
        course_id -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Binary,
        account_id -> Text,
        active_tenant_id -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        device -> Text,
        ip_hash -> Nullable<Binary>,
        ip_key_id -> Nullable<Text>,
        stage -> Text,
        sign_in_method -> Text,
        sign_in_provider -> Nullable<Text>,
        sso_provider_id -> Nullable<Text>,
        sso_sid_index -> Nullable<Binary>,
        sso_subject_index -> Nullable<Binary>,
        sso_logout_ciphertext -> Nullable<Binary>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        account_id -> Text,
        code_hash -> Binary,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        account_id -> Text,
        token_hash -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        account_id -> Text,
        credential_id -> Binary,
        name_ciphertext -> Binary,
        credential -> Text,
        sign_count -> BigInt,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webauthn_ceremonies (id) {
        id -> Text,
        kind -> Text,
        account_id -> Nullable<Text>,
        session_id -> Nullable<Text>,
        state_ciphertext -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    companies (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invitations (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        email_ciphertext -> Binary,
        email_index -> Binary,
        role -> Text,
        company_id -> Nullable<Text>,
        language -> Text,
        token_hash -> Binary,
        invited_by -> Text,
        mail_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_account_id -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        sender_tenant_id -> Nullable<Text>,
        purpose -> Text,
        recipient_index -> Binary,
        payload_ciphertext -> Nullable<Binary>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(tenant_keys -> tenants (tenant_id));
diesel::joinable!(locations -> tenants (tenant_id));

diesel::table! {
    audit_heads (chain) {
        chain -> Text,
        seq -> BigInt,
        head_hash -> Binary,
        updated_at -> Timestamp,
        anchor_seq -> BigInt,
        anchor_hash -> Binary,
    }
}

diesel::table! {
    audit_prune_guard (chain) {
        chain -> Text,
        upto_seq -> BigInt,
    }
}

diesel::table! {
    audit_entries (id) {
        chain -> Text,
        seq -> BigInt,
        id -> Text,
        occurred_at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        outcome -> Text,
        subject_ref -> Nullable<Text>,
        company_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        ip_hash -> Nullable<Binary>,
        ip_key_id -> Nullable<Text>,
        detail -> Text,
        prev_hash -> Binary,
        entry_hash -> Binary,
    }
}

diesel::table! {
    deletion_log (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        occurred_at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        category -> Text,
        record_count -> BigInt,
        subject_ref -> Nullable<Text>,
        reason_code -> Text,
        reason_text -> Text,
        legal_basis -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    events (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        location_id -> Nullable<Text>,
        company_id -> Nullable<Text>,
        capacity -> Integer,
        waiting_list -> Bool,
        booking_opens_at -> Nullable<Timestamp>,
        booking_closes_at -> Nullable<Timestamp>,
        fields -> Text,
        status -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        confirmed_count -> Integer,
        signature_required -> Bool,
    }
}

diesel::table! {
    calendar_feeds (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        account_id -> Text,
        token_hash -> Binary,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_sessions (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        event_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
    }
}

diesel::table! {
    event_instructors (tenant_id, event_id, account_id) {
        tenant_id -> Text,
        event_id -> Text,
        account_id -> Text,
    }
}

diesel::table! {
    participants (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        email_ciphertext -> Binary,
        email_index -> Binary,
        name_ciphertext -> Binary,
        phone_ciphertext -> Nullable<Binary>,
        language -> Text,
        mail_opt_out_at -> Nullable<Timestamp>,
        mail_opt_out_reason -> Nullable<Text>,
        mail_opt_out_text_ciphertext -> Nullable<Binary>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        restricted_at -> Nullable<Timestamp>,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    participant_terms (tenant_id, participant_id, term_index) {
        tenant_id -> Text,
        participant_id -> Text,
        term_index -> Binary,
    }
}

diesel::table! {
    bookings (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        event_id -> Text,
        participant_id -> Text,
        status -> Text,
        answers_ciphertext -> Nullable<Binary>,
        consent_text -> Text,
        consented_at -> Timestamp,
        queued_at -> Timestamp,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        cancelled_by -> Nullable<Text>,
        mail_id -> Nullable<Text>,
    }
}

diesel::table! {
    magic_links (tenant_id, id) {
        id -> Text,
        tenant_id -> Text,
        participant_id -> Text,
        email_index -> Binary,
        token_hash -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    participant_sessions (tenant_id, id) {
        id -> Text,
        tenant_id -> Text,
        participant_id -> Text,
        token_hash -> Binary,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    subject_requests (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        participant_id -> Text,
        kind -> Text,
        message_ciphertext -> Nullable<Binary>,
        status -> Text,
        received_via -> Text,
        created_at -> Timestamp,
        due_at -> Timestamp,
        handled_at -> Nullable<Timestamp>,
        handled_by -> Nullable<Text>,
    }
}

diesel::table! {
    devices (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        location_id -> Nullable<Text>,
        secret_ciphertext -> Binary,
        mode -> Text,
        duplicate_window_seconds -> Integer,
        late_upload_after_seconds -> Integer,
        session_ids -> Text,
        agent_version -> Nullable<Text>,
        readers -> Nullable<Text>,
        queue_length -> Nullable<Integer>,
        last_heartbeat_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        secure_cards -> Bool,
    }
}

diesel::table! {
    device_enrolments (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        code_hash -> Binary,
        name -> Text,
        location_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        device_id -> Nullable<Text>,
    }
}

diesel::table! {
    device_nonces (tenant_id, device_id, nonce) {
        tenant_id -> Text,
        device_id -> Text,
        nonce -> Text,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    cards (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        card_hmac -> Binary,
        participant_id -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        sdm_counter -> Nullable<BigInt>,
    }
}

diesel::table! {
    card_enrolments (tenant_id, device_id) {
        tenant_id -> Text,
        device_id -> Text,
        participant_id -> Text,
        requested_by -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    attendance (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        session_id -> Text,
        participant_id -> Text,
        booking_id -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        recorded_at -> Timestamp,
        source -> Text,
        device_id -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        late_upload -> Bool,
        supersedes_id -> Nullable<Text>,
        voided -> Bool,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    device_taps (tenant_id, device_id, idempotency_key) {
        tenant_id -> Text,
        device_id -> Text,
        idempotency_key -> Text,
        tapped_at -> Timestamp,
        received_at -> Timestamp,
        outcome -> Text,
        participant_id -> Nullable<Text>,
        attendance_id -> Nullable<Text>,
        late_upload -> Bool,
    }
}

diesel::table! {
    retention_settings (tenant_id, category) {
        tenant_id -> Text,
        category -> Text,
        months -> Integer,
        updated_at -> Nullable<Timestamp>,
        last_run_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tenant_offboardings (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        started_at -> Timestamp,
        started_by_type -> Text,
        started_by_id -> Nullable<Text>,
        started_by_role -> Nullable<Text>,
        archive_until -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        keys_destroyed_at -> Nullable<Timestamp>,
        certificate -> Nullable<Text>,
    }
}

diesel::table! {
    booking_holds (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        event_id -> Text,
        email_index -> Binary,
        token_hash -> Binary,
        request_ciphertext -> Binary,
        consent_text -> Text,
        seat -> Bool,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    secure_card_settings (tenant_id, setting) {
        tenant_id -> Text,
        setting -> Text,
        required -> Bool,
        meta_read_key_ciphertext -> Binary,
        file_read_master_ciphertext -> Binary,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    booking_settings (tenant_id, setting) {
        tenant_id -> Text,
        setting -> Text,
        confirm_open_events -> Bool,
        link_hours -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_templates (tenant_id, kind, language) {
        tenant_id -> Text,
        kind -> Text,
        language -> Text,
        subject -> Text,
        body -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sso_providers (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        preset -> Text,
        name -> Text,
        enabled -> Bool,
        settings -> Text,
        secret_ciphertext -> Nullable<Binary>,
        role_mappings -> Text,
        provisioning -> Text,
        jit_domains -> Text,
        default_role -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sign_in_domains -> Text,
    }
}

diesel::table! {
    sso_identities (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        provider_id -> Text,
        subject_index -> Binary,
        account_id -> Text,
        managed_roles -> Text,
        created_at -> Timestamp,
        last_sign_in_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sso_logins (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        provider_id -> Text,
        state_hash -> Binary,
        browser_hash -> Binary,
        nonce -> Text,
        pkce_verifier_ciphertext -> Binary,
        link_account_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        invitation_id -> Nullable<Text>,
    }
}

diesel::table! {
    saml_assertions (tenant_id, id_hash) {
        tenant_id -> Text,
        id_hash -> Binary,
        provider_id -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    backup_runs (id) {
        id -> Text,
        kind -> Text,
        started_at -> Timestamp,
        finished_at -> Timestamp,
        ok -> Bool,
        file_name -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        detail -> Text,
    }
}

diesel::table! {
    saml_sp_keys (tenant_id, purpose) {
        tenant_id -> Text,
        purpose -> Text,
        private_key_ciphertext -> Binary,
        certificate -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sso_logout_tokens (tenant_id, provider_id, jti_hash) {
        tenant_id -> Text,
        provider_id -> Text,
        jti_hash -> Binary,
        received_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    incidents (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        nature -> Text,
        data_categories -> Text,
        systems -> Text,
        measures -> Text,
        consequences -> Text,
        contact -> Text,
        discovered_at -> Timestamp,
        started_at -> Timestamp,
        scope_kind -> Text,
        scope_ids -> Text,
        window_from -> Timestamp,
        window_to -> Timestamp,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    incident_updates (incident_id, id) {
        incident_id -> Text,
        id -> Text,
        kind -> Text,
        text_de -> Text,
        text_en -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    incident_notices (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        incident_id -> Text,
        persons -> BigInt,
        records -> BigInt,
        subject_de -> Text,
        body_de -> Text,
        subject_en -> Text,
        body_en -> Text,
        status -> Text,
        sent_at -> Nullable<Timestamp>,
        sent_by -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        name -> Text,
        url_ciphertext -> Binary,
        host -> Text,
        secret_ciphertext -> Nullable<Binary>,
        previous_secret_ciphertext -> Nullable<Binary>,
        previous_secret_until -> Nullable<Timestamp>,
        events -> Text,
        personal_fields -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        endpoint_id -> Text,
        event -> Text,
        payload_ciphertext -> Nullable<Binary>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    platform_signing_keys (key_id) {
        key_id -> Text,
        algorithm -> Text,
        public_key -> Text,
        valid_from -> Timestamp,
        valid_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attendance_signatures (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        attendance_id -> Text,
        session_id -> Text,
        participant_id -> Text,
        strokes_ciphertext -> Binary,
        signed_at -> Timestamp,
        collected_by -> Nullable<Text>,
    }
}

diesel::table! {
    session_closings (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        session_id -> Text,
        closed_by -> Text,
        closed_at -> Timestamp,
        strokes_ciphertext -> Binary,
        reopened_at -> Nullable<Timestamp>,
        reopened_by -> Nullable<Text>,
        reopen_reason -> Nullable<Text>,
    }
}

diesel::table! {
    absences (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        session_id -> Text,
        participant_id -> Text,
        booking_id -> Text,
        excused -> Bool,
        reason -> Nullable<Text>,
        note_ciphertext -> Nullable<Binary>,
        reported_by -> Text,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    absence_settings (tenant_id, event_id) {
        tenant_id -> Text,
        event_id -> Text,
        threshold_percent -> Nullable<Integer>,
        notify_organiser -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    absence_alerts (tenant_id, event_id, participant_id) {
        tenant_id -> Text,
        event_id -> Text,
        participant_id -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    subprocessor_changes (id) {
        id -> Text,
        kind -> Text,
        target_entry_id -> Nullable<Text>,
        entry_id -> Nullable<Text>,
        effective_on -> Text,
        note -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subprocessor_versions (id) {
        id -> Text,
        entry_id -> Text,
        change_id -> Text,
        effective_on -> Text,
        removed -> Bool,
        name -> Text,
        address -> Text,
        service -> Text,
        data_categories -> Text,
        country -> Text,
        eu_eea -> Bool,
        transfer_mechanism -> Nullable<Text>,
        since -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subprocessor_settings (tenant_id, setting) {
        tenant_id -> Text,
        setting -> Text,
        notice_days -> Integer,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    subprocessor_objections (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        change_id -> Text,
        reason_ciphertext -> Binary,
        objected_by -> Text,
        objected_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    subprocessor_changes,
    subprocessor_versions,
    subprocessor_settings,
    subprocessor_objections,
    incidents,
    incident_updates,
    incident_notices,
    attendance_signatures,
    session_closings,
    scheduled_jobs,
    audit_verifications,
    tenants,
    tenant_offboardings,
    tenant_keys,
    ip_hash_keys,
    locations,
    accounts,
    audit_heads,
    audit_prune_guard,
    audit_entries,
    deletion_log,
    memberships,
    sessions,
    recovery_codes,
    password_resets,
    passkeys,
    webauthn_ceremonies,
    companies,
    invitations,
    mail_outbox,
    events,
    event_sessions,
    event_instructors,
    participants,
    participant_terms,
    bookings,
    magic_links,
    participant_sessions,
    subject_requests,
    devices,
    device_enrolments,
    device_nonces,
    cards,
    card_enrolments,
    attendance,
    device_taps,
    retention_settings,
    booking_holds,
    booking_settings,
    mail_templates,
    sso_providers,
    sso_identities,
    sso_logins,
    saml_assertions,
    sso_logout_tokens,
    saml_sp_keys,
    secure_card_settings,
    backup_runs,
    calendar_feeds,
    platform_signing_keys,
    webhook_endpoints,
    webhook_deliveries,
    absences,
    absence_settings,
    absence_alerts
);
