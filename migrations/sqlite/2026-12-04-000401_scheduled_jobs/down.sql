DROP TABLE scheduled_jobs;
