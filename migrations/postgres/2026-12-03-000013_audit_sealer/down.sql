-- Back to seq NOT NULL with (chain, seq) as the key. Seal first (`anwesend audit verify`
-- seals every chain it reads): an unsealed entry fails SET NOT NULL, and nothing changes.
-- Roles granted before keep the column grant on audit_entries; the restored trigger
-- refuses every UPDATE all the same.
DROP FUNCTION audit_pending_chains();
DROP POLICY owner_lookup ON audit_entries;
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (
            SELECT 1 FROM audit_prune_guard g JOIN audit_heads h ON h.chain = g.chain
            WHERE g.chain = OLD.chain AND OLD.seq <= g.upto_seq AND h.anchor_seq = g.upto_seq
        ) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_entries is append-only';
END $$;
DROP INDEX audit_entries_unsealed;
ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_sealed_whole;
ALTER TABLE audit_entries
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN entry_hash SET NOT NULL;
ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_chain_seq_key;
ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_pkey;
ALTER TABLE audit_entries ADD PRIMARY KEY (chain, seq);
ALTER TABLE audit_entries ADD CONSTRAINT audit_entries_id_key UNIQUE (id);
