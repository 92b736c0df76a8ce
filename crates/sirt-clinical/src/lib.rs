//! Clinical work-up and follow-up: CTCAE lab grading, liver function scores (ALBI, Child-Pugh, MELD), eligibility rule sets, toxicity timeline and REILD.
//!
//! (module map to come)
