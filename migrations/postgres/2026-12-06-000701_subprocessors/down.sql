DROP TABLE subprocessor_objections;
DROP TABLE subprocessor_settings;
DROP TABLE subprocessor_versions;
DROP TABLE subprocessor_changes;
