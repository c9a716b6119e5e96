-- Mail texts a tenant wrote in place of the defaults (issue 23), per kind and language.
-- No row: the default text. Placeholders like {{link}} are filled when a mail is sent;
-- the kinds with a link cannot be saved without it. Keep in step with ../../postgres.
CREATE TABLE mail_templates (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL CHECK (kind IN ('booking_confirmed', 'booking_waiting', 'booking_cancelled', 'sign_in_link', 'invitation', 'password_reset')),
    language TEXT NOT NULL CHECK (language IN ('de', 'en')),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, kind, language)
);
