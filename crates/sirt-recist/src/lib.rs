//! Tumour response: RECIST 1.1 (with mRECIST and Choi) time-point and best overall response, in exact arithmetic.
//!
//! (module map to come)
