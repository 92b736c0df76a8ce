//! Vial ordering: which vial, which calibration, which treatment day; and the activity
//! delivered once the residual has been measured.
//!
//! - (V1) activity in a vial at injection: A_vial(T) = A_cal · exp(−λ (T − t_cal))
//! - (V2) required at injection: A_req = A_administered / (1 − R)
//! - (V3) glass: the vial whose A_vial(T) is closest to A_req (ties: later calibration, smaller
//!   vial) — or, when a dose limit set A_req, the closest not above it; the instant it holds
//!   exactly A_req is t* = t_cal + T½ · log₂(A_cal / A_req)
//! - (V4) resin: fraction drawn = A_req / A_vial(T) (more than one vial when above 1)
//! - (V5) patient-specific: A_cal = A_req · exp(λ (T − t_cal))
//! - (V6) delivered after the residual measurement: A_delivered = A_vial(T) − R_meas · exp(λ (t_meas − T))

use crate::catalogue::{Device, Ordering};
use sirt_units::{Activity, Instant, TimeSpan};
use thiserror::Error;

/// Why an order cannot be made.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OrderError {
    /// The treatment falls outside the usable window of the vial's calibration.
    #[error(
        "treatment at {treatment} is {days:.2} days after the {device} calibration of {calibration}; \
         the device is usable from {from:.2} to {to:.2} days after calibration"
    )]
    OutsideWindow {
        /// Device name.
        device: String,
        /// Treatment instant.
        treatment: String,
        /// Calibration instant.
        calibration: String,
        /// Days between them.
        days: f64,
        /// Window start, days.
        from: f64,
        /// Window end, days.
        to: f64,
    },
    /// No calibration instant of the schedule falls in the window (schedule misconfigured).
    #[error(
        "no {device} calibration instant puts the treatment at {treatment} inside the usable window"
    )]
    NoCalibration {
        /// Device name.
        device: String,
        /// Treatment instant.
        treatment: String,
    },
    /// An activity that cannot be ordered (zero, negative, not finite).
    #[error("{what}: expected an activity above zero, found {found}")]
    BadActivity {
        /// Which activity.
        what: &'static str,
        /// The value.
        found: String,
    },
    /// The residual is larger than what was in the vial.
    #[error(
        "residual {residual} (decay-corrected to the injection) exceeds the {vial} in the vial at injection"
    )]
    ResidualTooLarge {
        /// Residual at injection.
        residual: String,
        /// Vial activity at injection.
        vial: String,
    },
    /// The calibration zone is not known to the time-zone database.
    #[error("calibration zone \"{0}\" of the device catalogue is unknown")]
    Zone(String),
}

/// One vial option for a treatment instant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VialOption {
    /// Calibration instant.
    pub calibration: Instant,
    /// Activity at calibration (nominal vial size).
    pub nominal: Activity,
    /// Activity in the vial at the treatment instant (V1).
    pub at_injection: Activity,
    /// (at_injection − required) / required.
    pub deviation: f64,
}

/// The activity of the ordered vial at the same clock time on another day of the window.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DayOption {
    /// The instant (same clock time as the planned treatment).
    pub instant: Instant,
    /// Days after calibration.
    pub days_after_calibration: f64,
    /// Activity in the vial then.
    pub at_injection: Activity,
    /// (at_injection − required) / required.
    pub deviation: f64,
}

/// The order for one injection.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VialOrder {
    /// Device id.
    pub device: String,
    /// Ordering mode.
    pub ordering: Ordering,
    /// The chosen option (for patient-specific: the computed order).
    pub chosen: VialOption,
    /// Number of vials (resin: more than one when the fraction exceeds 1).
    pub vials: u32,
    /// Activity needed in the vial at injection (V2).
    pub required_at_injection: Activity,
    /// Resin: fraction of the vial(s) to draw (V4).
    pub fraction_drawn: Option<f64>,
    /// Glass: instant at which the vial holds exactly the required activity, when inside the window.
    pub exact_instant: Option<Instant>,
    /// Days from calibration to treatment.
    pub days_after_calibration: f64,
    /// Other vial/calibration options, closest first (glass).
    pub alternatives: Vec<VialOption>,
    /// The chosen vial on each day of the window at the planned clock time (glass).
    pub days: Vec<DayOption>,
    /// Number of microspheres ordered for the injection (whole vial for glass, the drawn part for
    /// resin, the order for Ho-166; before the residual), from the catalogue's activity per sphere
    /// at calibration; `None` when unknown.
    pub spheres: Option<f64>,
    /// Whether the calibration schedule used is verified in the catalogue.
    pub schedule_verified: bool,
    /// The schedule's source.
    pub schedule_source: String,
}

/// How a whole vial is chosen (glass).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VialPolicy {
    /// The vial closest to the required activity, above or below.
    Closest,
    /// The closest vial that does not exceed the required activity (when a dose limit set it);
    /// the closest overall when every vial exceeds it.
    AtMost,
}

/// Orders `required_at_injection` (V2) of `device` for `treatment`. `calibration` overrides the
/// device's schedule (the instant printed on a vial already at hand).
pub fn order(
    device: &Device,
    required_at_injection: Activity,
    treatment: &Instant,
    calibration: Option<&Instant>,
    policy: VialPolicy,
) -> Result<VialOrder, OrderError> {
    if !required_at_injection.is_positive() {
        return Err(OrderError::BadActivity {
            what: "activity required in the vial at injection",
            found: required_at_injection.to_string(),
        });
    }
    let n = device.nuclide;
    let cal = &device.calibration;
    let calibrations: Vec<Instant> = match calibration {
        Some(c) => {
            check_window(device, treatment, c)?;
            vec![c.clone()]
        }
        None if cal.at_treatment => vec![treatment.clone()],
        None => scheduled_calibrations(device, treatment)?,
    };
    let option = |c: &Instant, nominal: Activity| {
        let at = n.activity_at(nominal, c, treatment);
        VialOption {
            calibration: c.clone(),
            nominal,
            at_injection: at,
            deviation: at / required_at_injection - 1.0,
        }
    };
    let base = |chosen: VialOption, alternatives, days, exact, vials, fraction: Option<f64>| {
        let days_after = treatment.since(&chosen.calibration).days();
        let drawn = fraction.unwrap_or(1.0);
        let spheres = device
            .activity_per_sphere
            .filter(|a| a.is_positive())
            .map(|per| chosen.nominal / per * drawn);
        VialOrder {
            spheres,
            device: device.id.clone(),
            ordering: device.ordering,
            chosen,
            vials,
            required_at_injection,
            fraction_drawn: fraction,
            exact_instant: exact,
            days_after_calibration: days_after,
            alternatives,
            days,
            schedule_verified: cal.verified,
            schedule_source: cal.source.clone(),
        }
    };
    match device.ordering {
        Ordering::PatientSpecific => {
            let c = &calibrations[0];
            let nominal = required_at_injection / n.decay_factor(treatment.since(c));
            Ok(base(option(c, nominal), vec![], vec![], None, 1, None))
        }
        Ordering::Fraction => {
            // The calibration closest to the treatment (freshest vial).
            let c = calibrations
                .iter()
                .min_by(|a, b| {
                    treatment
                        .since(a)
                        .seconds()
                        .abs()
                        .total_cmp(&treatment.since(b).seconds().abs())
                })
                .ok_or_else(|| no_calibration(device, treatment))?;
            let per_vial = device
                .vial_activities
                .last()
                .copied()
                .ok_or_else(|| no_calibration(device, treatment))?;
            let one = option(c, per_vial);
            let fraction = required_at_injection / one.at_injection;
            let vials = fraction.ceil().max(1.0) as u32;
            let total = option(c, per_vial * f64::from(vials));
            Ok(base(
                VialOption {
                    deviation: 0.0,
                    ..total
                },
                vec![],
                vec![],
                None,
                vials,
                Some(fraction / f64::from(vials)),
            ))
        }
        Ordering::Vials => {
            let mut options: Vec<VialOption> = calibrations
                .iter()
                .flat_map(|c| device.vial_activities.iter().map(move |v| (c, *v)))
                .map(|(c, v)| option(c, v))
                .collect();
            // (V3); under a dose limit (AtMost) the vials that stay at or below it come first.
            let over = |o: &VialOption| policy == VialPolicy::AtMost && o.deviation > 1e-12;
            options.sort_by(|a, b| {
                over(a)
                    .cmp(&over(b))
                    .then(a.deviation.abs().total_cmp(&b.deviation.abs()))
                    .then(b.calibration.cmp(&a.calibration))
                    .then(a.nominal.total_cmp(&b.nominal))
            });
            let mut it = options.into_iter();
            let chosen = it.next().ok_or_else(|| no_calibration(device, treatment))?;
            let alternatives: Vec<VialOption> = it.take(5).collect();
            let exact = exact_instant(device, &chosen, required_at_injection)
                .map(|e| e.in_zone(treatment.zoned().time_zone().clone()));
            let days = day_table(device, &chosen, treatment, required_at_injection);
            Ok(base(chosen, alternatives, days, exact, 1, None))
        }
    }
}

fn no_calibration(device: &Device, treatment: &Instant) -> OrderError {
    OrderError::NoCalibration {
        device: device.name.clone(),
        treatment: treatment.to_string(),
    }
}

fn check_window(
    device: &Device,
    treatment: &Instant,
    calibration: &Instant,
) -> Result<(), OrderError> {
    let cal = &device.calibration;
    if cal.at_treatment {
        return Ok(());
    }
    let since = treatment.since(calibration);
    if since < cal.usable_from || since > cal.usable_to {
        return Err(OrderError::OutsideWindow {
            device: device.name.clone(),
            treatment: treatment.to_string(),
            calibration: calibration.to_string(),
            days: since.days(),
            from: cal.usable_from.days(),
            to: cal.usable_to.days(),
        });
    }
    Ok(())
}

/// Calibration instants of the schedule that put `treatment` inside the usable window.
pub fn scheduled_calibrations(
    device: &Device,
    treatment: &Instant,
) -> Result<Vec<Instant>, OrderError> {
    let cal = &device.calibration;
    let tz = jiff::tz::TimeZone::get(&cal.zone).map_err(|_| OrderError::Zone(cal.zone.clone()))?;
    let local_date = treatment.timestamp().to_zoned_datetime(tz.clone()).date();
    let back = cal.usable_to.days().ceil() as i64 + 1;
    let forward = (-cal.usable_from.days()).ceil().max(0.0) as i64 + 1;
    let mut out = Vec::new();
    for offset in -back..=forward {
        let Ok(date) = local_date.checked_add(jiff::Span::new().days(offset)) else {
            continue;
        };
        if cal.weekday.is_some_and(|w| w != date.weekday()) {
            continue;
        }
        let t = cal.time;
        let dt = date.at(t.hour(), t.minute(), t.second(), t.subsec_nanosecond());
        let Ok(z) = dt.to_zoned_datetime(tz.clone()) else {
            continue;
        };
        let c = Instant::from_zoned(z);
        let since = treatment.since(&c);
        if since >= cal.usable_from && since <= cal.usable_to {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(no_calibration(device, treatment));
    }
    Ok(out)
}

fn exact_instant(device: &Device, chosen: &VialOption, required: Activity) -> Option<Instant> {
    let half_life = device.nuclide.half_life();
    let after = TimeSpan::from_seconds(half_life.seconds() * (chosen.nominal / required).log2());
    let cal = &device.calibration;
    if after < cal.usable_from || after > cal.usable_to {
        return None;
    }
    chosen.calibration.plus(after)
}

fn day_table(
    device: &Device,
    chosen: &VialOption,
    treatment: &Instant,
    required: Activity,
) -> Vec<DayOption> {
    let cal = &device.calibration;
    let mut out = Vec::new();
    let tz = treatment.zoned().time_zone().clone();
    for d in -30i64..=30 {
        // Same wall-clock time in the treatment's zone on each day.
        let Some(t) = treatment
            .zoned()
            .datetime()
            .checked_add(jiff::Span::new().days(d))
            .ok()
            .and_then(|dt| dt.to_zoned_datetime(tz.clone()).ok())
            .map(Instant::from_zoned)
        else {
            continue;
        };
        let since = t.since(&chosen.calibration);
        if since < cal.usable_from || since > cal.usable_to {
            continue;
        }
        let at = device
            .nuclide
            .activity_at(chosen.nominal, &chosen.calibration, &t);
        out.push(DayOption {
            instant: t,
            days_after_calibration: since.days(),
            at_injection: at,
            deviation: at / required - 1.0,
        });
    }
    out
}

/// The activity delivered once the residual in vial, tubing and catheter has been measured (V6).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Delivery {
    /// Activity in the vial (drawn) at injection.
    pub vial_at_injection: Activity,
    /// Residual decay-corrected to the injection instant.
    pub residual_at_injection: Activity,
    /// Delivered activity = vial − residual.
    pub delivered: Activity,
    /// Residual fraction actually observed.
    pub residual_fraction: f64,
}

/// (V6): the delivered activity from a residual measured at `measured_at`.
pub fn delivered(
    device: &Device,
    vial_at_injection: Activity,
    injection: &Instant,
    residual: Activity,
    measured_at: &Instant,
) -> Result<Delivery, OrderError> {
    if !vial_at_injection.is_positive() {
        return Err(OrderError::BadActivity {
            what: "vial activity at injection",
            found: vial_at_injection.to_string(),
        });
    }
    let residual_at_injection = device.nuclide.activity_at(residual, measured_at, injection);
    if residual_at_injection > vial_at_injection {
        return Err(OrderError::ResidualTooLarge {
            residual: format!("{:.4} GBq", residual_at_injection.gbq()),
            vial: format!("{:.4} GBq", vial_at_injection.gbq()),
        });
    }
    let delivered = vial_at_injection - residual_at_injection;
    Ok(Delivery {
        vial_at_injection,
        residual_at_injection,
        delivered,
        residual_fraction: residual_at_injection / vial_at_injection,
    })
}
