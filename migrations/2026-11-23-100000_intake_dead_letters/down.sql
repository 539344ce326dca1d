DROP TABLE intake_dead_letters;
