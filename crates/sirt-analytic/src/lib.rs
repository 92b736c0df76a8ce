//! Analytic SIRT dosimetry: forward (activity → doses) and inverse (goal → activity) per
//! injection, with the constraint that binds, and the totals of a treatment session.
//!
//! | module | equations | what |
//! |---|---|---|
//! | [`partition`] | (P1)–(P6) | partition model with any number of tumour compartments; MIRD single compartment when there is none |
//! | [`prescription`] | (I1)–(I6) | candidates from the prescription method and the limits; the smallest binds; residual (vial = A / (1 − R)) |
//! | [`bsa`] | (B1)–(B4) | resin BSA method with LSF bands as parameters |
//! | [`lung`] | (L1)–(L2) | LSF from planar counts (geometric mean), lung mass basis |
//! | [`session`] | (S1)–(S3) | whole-liver normal-tissue dose, session and cumulative lung dose, session limits |
//!
//! Equation numbers are those in each module's documentation; tests cite them.
//!
//! ```
//! use sirt_analytic::partition::{Territory, TumourCompartment};
//! use sirt_analytic::prescription::{solve, Prescription, TumourTarget, InjectionLimits, Constraint};
//! use sirt_analytic::lung::Lung;
//! use sirt_units::{AbsorbedDose, DepositionCoefficient, Fraction, Mass};
//!
//! let territory = Territory {
//!     tumours: vec![TumourCompartment { id: "T1".into(), mass: Mass::from_kg(0.3), tnr: 3.0 }],
//!     normal_liver: Mass::from_kg(1.5),
//! };
//! let lung = Lung::convention(Fraction::new(0.08).unwrap());
//! let k = DepositionCoefficient::from_gy_kg_per_gbq(49.67);
//! let s = solve(
//!     &territory, &lung, k,
//!     &Prescription::TumourDose { target: TumourTarget::Combined, dose: AbsorbedDose::from_gy(200.0) },
//!     &InjectionLimits { normal_liver_max: Some(AbsorbedDose::from_gy(40.0)), ..Default::default() },
//! ).unwrap();
//! // 200 Gy to the tumour would give 66.7 Gy to normal liver: the 40 Gy limit binds.
//! assert_eq!(s.binding, Constraint::NormalLiverLimit);
//! assert!((s.administered.gbq() - 2.100821946586602).abs() < 1e-12);
//! ```

pub mod bsa;
mod error;
pub mod lung;
pub mod partition;
pub mod prescription;
pub mod session;

pub use error::ModelError;
