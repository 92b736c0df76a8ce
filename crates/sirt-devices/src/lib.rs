//! Microsphere devices and their ordering.
//!
//! | module | what |
//! |---|---|
//! | [`catalogue`] | [`Catalogue`] of [`Device`]s from `data/devices.toml` (embedded) plus site files: vial sizes, K convention, calibration schedule and usable window, each with its source and a `verified` flag |
//! | [`ordering`] | (V1)–(V6): vial choice and treatment day for glass, fraction drawn for resin, patient-specific order for Ho-166; delivered activity after the residual measurement |
//!
//! ```
//! use sirt_devices::{Catalogue, VialPolicy, ordering::order};
//! use sirt_units::{Activity, Instant};
//! let catalogue = Catalogue::embedded().unwrap();
//! let glass = catalogue.get("therasphere").unwrap();
//! let treatment: Instant = "2026-03-05T10:00:00[Europe/Paris]".parse().unwrap();
//! let o = order(glass, Activity::from_gbq(3.0), &treatment, None, VialPolicy::Closest).unwrap();
//! assert!(o.chosen.deviation.abs() < 0.2);
//! ```

pub mod catalogue;
pub mod ordering;

pub use catalogue::{CalibrationSchedule, Catalogue, CatalogueError, Device, Ordering};
pub use ordering::{Delivery, OrderError, VialOrder, VialPolicy, delivered, order};
