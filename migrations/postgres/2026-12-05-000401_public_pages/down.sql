DROP TABLE calendar_feeds;
ALTER TABLE tenants DROP COLUMN embed_origins;
ALTER TABLE tenants DROP COLUMN public_list_enabled;
ALTER TABLE tenants DROP COLUMN time_zone;
