ALTER TABLE devices DROP COLUMN secure_cards;
ALTER TABLE cards DROP COLUMN sdm_counter;
DROP TABLE secure_card_settings;
