ALTER TABLE accounts DROP COLUMN factor_locked_until;
ALTER TABLE accounts DROP COLUMN factor_failures;
