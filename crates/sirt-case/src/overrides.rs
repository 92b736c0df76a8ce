//! Typed changes to a case file's values, applied before validation: what the web application's
//! plan parameters change (device, K, method, LSF, residual fraction, TNR, treatment instant),
//! without writing TOML text. [`crate::parse_with_overrides`] reads the case, applies them and
//! validates the result as [`crate::parse`] would the edited file.

use crate::CaseError;
use crate::raw::{RawCase, RawDelivery, RawInjection};
use sirt_units::{Activity, Fraction, Instant};
use std::collections::BTreeMap;

/// Changes to one injection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InjectionOverrides {
    /// Device id of the catalogue.
    pub device: Option<String>,
    /// K convention (`therasphere-ifu`, `nuclear-data`, ...).
    pub k: Option<String>,
    /// Method (`mird`, `partition`, `bsa`, `ho166`).
    pub method: Option<String>,
    /// Lung shunt fraction, 0 to below 1.
    pub lsf: Option<f64>,
    /// Expected residual fraction, 0 to below 1.
    pub residual_fraction: Option<f64>,
    /// Tumour-to-normal ratio per tumour id of the injection.
    pub tnr: BTreeMap<String, f64>,
    /// The delivery as recorded (replaces the case file's `[injections.delivery]`).
    pub delivery: Option<DeliveryOverride>,
}

/// A recorded delivery: the values of `[injections.delivery]`, validated as the file's.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryOverride {
    /// Injection instant.
    pub injected: Instant,
    /// Vial activity at injection, when assayed.
    pub vial_activity: Option<Activity>,
    /// Residual activity measured.
    pub residual: Activity,
    /// When the residual was measured.
    pub residual_measured: Instant,
}

/// Changes to one session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionOverrides {
    /// Planned treatment instant with its zone (`2026-03-05T10:00:00[Europe/Paris]`).
    pub treatment: Option<String>,
}

/// Changes to a case's values, by the case's ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Default device (`planning.device`).
    pub device: Option<String>,
    /// K convention for all injections (`planning.k`).
    pub k: Option<String>,
    /// Default residual fraction (`planning.residual_fraction`).
    pub residual_fraction: Option<f64>,
    /// Per injection id.
    pub injections: BTreeMap<String, InjectionOverrides>,
    /// Per session id.
    pub sessions: BTreeMap<String, SessionOverrides>,
}

/// An override that does not fit the case.
fn refused(field: impl Into<String>, expected: &str, found: impl Into<String>) -> CaseError {
    CaseError::Override {
        field: field.into(),
        expected: expected.into(),
        found: found.into(),
    }
}

/// A fraction from 0 to below 1.
fn fraction(field: &str, v: f64) -> Result<Fraction, CaseError> {
    if !(0.0..1.0).contains(&v) {
        return Err(refused(
            field,
            "a fraction from 0 to below 1",
            v.to_string(),
        ));
    }
    Fraction::new(v).ok_or_else(|| refused(field, "a fraction from 0 to below 1", v.to_string()))
}

impl Overrides {
    /// Applies the changes to the case as read.
    pub(crate) fn apply(&self, raw: &mut RawCase) -> Result<(), CaseError> {
        if let Some(d) = &self.device {
            raw.planning.device.clone_from(d);
        }
        if let Some(k) = &self.k {
            raw.planning.k = Some(k.clone());
        }
        if let Some(r) = self.residual_fraction {
            raw.planning.residual_fraction = Some(fraction("residual_fraction", r)?);
        }
        for (id, o) in &self.injections {
            let field = format!("injections.{id}");
            let injection = raw
                .injections
                .iter_mut()
                .find(|i| &i.id == id)
                .ok_or_else(|| unknown_id(&field, "injections", id))?;
            o.apply(injection, &field)?;
        }
        for (id, o) in &self.sessions {
            let field = format!("sessions.{id}");
            let session = raw
                .sessions
                .iter_mut()
                .find(|s| &s.id == id)
                .ok_or_else(|| unknown_id(&field, "sessions", id))?;
            if let Some(t) = &o.treatment {
                session.treatment = t.parse::<Instant>().map_err(|e| {
                    refused(
                        format!("{field}.treatment"),
                        "an instant with its zone",
                        format!("\"{t}\" ({e})"),
                    )
                })?;
            }
        }
        Ok(())
    }
}

/// An id that the case's array does not have.
fn unknown_id(field: &str, array: &str, id: &str) -> CaseError {
    refused(
        field,
        &format!("an id of `{array}` in the case file"),
        format!("`{id}`"),
    )
}

impl InjectionOverrides {
    fn apply(&self, inj: &mut RawInjection, field: &str) -> Result<(), CaseError> {
        if let Some(d) = &self.device {
            inj.device = Some(d.clone());
        }
        if let Some(k) = &self.k {
            inj.k = Some(k.clone());
        }
        if let Some(m) = &self.method {
            inj.method.clone_from(m);
        }
        if let Some(l) = self.lsf {
            inj.lsf = Some(fraction(&format!("{field}.lsf"), l)?);
        }
        if let Some(r) = self.residual_fraction {
            inj.residual_fraction = Some(fraction(&format!("{field}.residual_fraction"), r)?);
        }
        for (tumour, tnr) in &self.tnr {
            let path = format!("{field}.tnr.{tumour}");
            if !(tnr.is_finite() && *tnr > 0.0) {
                return Err(refused(
                    path,
                    "a tumour-to-normal ratio above zero",
                    tnr.to_string(),
                ));
            }
            let share = inj
                .tumours
                .iter_mut()
                .find(|s| &s.id == tumour)
                .ok_or_else(|| unknown_id(&path, "tumours", tumour))?;
            share.tnr = *tnr;
        }
        if let Some(d) = &self.delivery {
            inj.delivery = Some(RawDelivery {
                injected: d.injected.clone(),
                vial_activity: d.vial_activity,
                residual: d.residual,
                residual_measured: d.residual_measured.clone(),
            });
        }
        Ok(())
    }
}
