ALTER TABLE attendance ADD CONSTRAINT attendance_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id);
ALTER TABLE device_taps ADD CONSTRAINT device_taps_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id);
ALTER TABLE device_nonces ADD CONSTRAINT device_nonces_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id);
ALTER TABLE audit_entries ADD CONSTRAINT audit_entries_chain_fkey FOREIGN KEY (chain) REFERENCES audit_heads (chain);
