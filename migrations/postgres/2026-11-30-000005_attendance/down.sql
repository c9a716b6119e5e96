DROP TABLE device_taps;
DROP TABLE attendance;
DROP TABLE card_enrolments;
DROP TABLE cards;
DROP TABLE device_nonces;
DROP TABLE device_enrolments;
DROP TABLE devices;
