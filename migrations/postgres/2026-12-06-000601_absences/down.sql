DROP TABLE absence_alerts;
DROP TABLE absence_settings;
DROP TABLE absences;
