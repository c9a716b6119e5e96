-- Failed second-factor attempts in a row and the lock they lead to (TOM ACC-6).
ALTER TABLE accounts ADD COLUMN factor_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN factor_locked_until TIMESTAMP;
