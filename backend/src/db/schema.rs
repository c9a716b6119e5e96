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
    }
}

diesel::table! {
    audit_entries (chain, seq) {
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
diesel::allow_tables_to_appear_in_same_query!(
    tenants, tenant_keys, ip_hash_keys, locations, accounts, audit_heads, audit_entries, deletion_log, memberships, sessions,
    recovery_codes, companies, invitations, mail_outbox
);
