DROP TABLE booking_settings;
DROP INDEX booking_holds_event;
DROP TABLE booking_holds;
