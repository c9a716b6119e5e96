DROP TABLE platform_signing_keys;
