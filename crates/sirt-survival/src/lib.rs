//! Survival and dose-response statistics for outcomes registries: Kaplan-Meier, log-rank, Cox proportional hazards, logistic regression and ROC.
//!
//! (module map to come)
