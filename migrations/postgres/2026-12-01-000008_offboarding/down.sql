DROP TABLE tenant_offboardings;
