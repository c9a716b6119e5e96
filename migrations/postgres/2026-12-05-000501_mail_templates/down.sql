DROP TABLE mail_templates;
