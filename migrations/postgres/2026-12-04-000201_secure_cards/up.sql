-- Secure cards: NTAG 424 DNA with Secure Unique NFC messages (issue 22, TOM TRANS-2, PSEUDO-1).
-- Keep in step with ../../sqlite.

-- The tenant's card keys, encrypted with its data key (destroyed with it, DEL-4):
-- SDMMetaReadKey (one per tenant) and the master the SDMFileReadKey of each card is
-- diversified from. `required`: taps by card UID alone are refused. One row per tenant;
-- `setting` keeps the key composite, like every tenant table's (SEP-2).
CREATE TABLE secure_card_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    setting TEXT NOT NULL CHECK (setting = 'sdm'),
    required BOOLEAN NOT NULL,
    meta_read_key_ciphertext BYTEA NOT NULL,
    file_read_master_ciphertext BYTEA NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, setting)
);

ALTER TABLE secure_card_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE secure_card_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON secure_card_settings
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

-- A secure card's last read counter (SDMReadCtr); NULL: a card known by its UID only.
-- A message is taken only with a higher counter, so a copied one is refused.
ALTER TABLE cards ADD COLUMN sdm_counter BIGINT;

-- The agent reads secure cards (it says so in its heartbeat).
ALTER TABLE devices ADD COLUMN secure_cards BOOLEAN NOT NULL DEFAULT FALSE;
