DROP TABLE incident_notices;
DROP TABLE incident_updates;
DROP TABLE incidents;
