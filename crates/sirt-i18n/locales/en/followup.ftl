# Follow-up: tumour response (RECIST 1.1, mRECIST, Choi), eligibility, laboratory grading (CTCAE v5.0, REILD), cohort statistics.
