DROP TABLE accounts;
DROP TABLE locations;
DROP TABLE ip_hash_keys;
DROP TABLE tenant_keys;
DROP TABLE tenants;
