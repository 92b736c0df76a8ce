//! The candidates: for each day of the window, every orderable choice of each injection of the
//! session, combined. Every choice is a real order of `sirt_devices::ordering` (the same rules
//! as the plan's vial order: calibration schedule, usable window, decay to the treatment):
//!
//! - whole vials (glass): every vial size of the catalogue from every calibration whose usable
//!   window holds the day (or the session's own calibration, a vial at hand); the activity
//!   injected is what the vial holds then, less the expected residual;
//! - drawn (resin) or ordered (Ho-166) activities: the activity grid of the optimisation, each
//!   ordered for the day (vials and fraction drawn, or the activity ordered).

use crate::optimise::OptimiseError;
use sirt_devices::{Device, OrderError, Ordering, VialOrder, VialPolicy, order};
use sirt_units::{Activity, Fraction, Instant};

/// One injection's part of a candidate: the order and what it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectionChoice {
    /// Injection index in the case.
    pub injection: usize,
    /// Injection id.
    pub id: String,
    /// Device id.
    pub device: String,
    /// How the device is ordered.
    pub ordering: Ordering,
    /// Calibration instant of the vial(s).
    pub calibration: Instant,
    /// Activity of one vial at calibration (glass: the vial size; resin: the vial; Ho-166: the
    /// activity ordered).
    pub nominal: Activity,
    /// Number of vials.
    pub vials: u32,
    /// Activity in the vial(s) at the treatment instant.
    pub vial_at_injection: Activity,
    /// Resin: the part of the vial(s) drawn.
    pub fraction_drawn: Option<f64>,
    /// Activity expected to be administered (glass: the vial at injection less the expected
    /// residual; resin and Ho-166: the activity of the grid).
    pub administered: Activity,
    /// Microspheres ordered (from the catalogue's activity per sphere), where known.
    pub spheres: Option<f64>,
    /// Activity per sphere at the treatment instant (the catalogue's, at calibration, decayed),
    /// where known.
    pub activity_per_sphere: Option<Activity>,
}

/// The instant `day` days after `planned` at the same wall-clock time in its zone (as the vial
/// order's day table shifts it).
pub(crate) fn day_instant(planned: &Instant, day: i64) -> Option<Instant> {
    let tz = planned.zoned().time_zone().clone();
    planned
        .zoned()
        .datetime()
        .checked_add(jiff::Span::new().try_days(day).ok()?)
        .ok()
        .and_then(|dt| dt.to_zoned_datetime(tz).ok())
        .map(Instant::from_zoned)
}

/// What the choices of one injection need.
pub(crate) struct Slot<'a> {
    /// Injection index in the case.
    pub injection: usize,
    /// Injection id.
    pub id: &'a str,
    /// Its device.
    pub device: &'a Device,
    /// Its expected residual fraction.
    pub residual: Fraction,
    /// The session's calibration (a vial at hand), if any.
    pub calibration: Option<&'a Instant>,
    /// The administered activities of the grid (drawn or ordered devices).
    pub grid: Vec<Activity>,
}

impl Slot<'_> {
    /// Every orderable choice on `treatment`, and the last refusal of the ordering rules (for
    /// the error when no day has any).
    pub fn choices(&self, treatment: &Instant) -> (Vec<InjectionChoice>, Option<OrderError>) {
        match self.device.ordering {
            Ordering::Vials => self.vials(treatment),
            Ordering::Fraction | Ordering::PatientSpecific => self.drawn(treatment),
        }
    }

    fn vials(&self, t: &Instant) -> (Vec<InjectionChoice>, Option<OrderError>) {
        let device = self.device;
        let calibrations = match self.calibration {
            Some(c) => vec![c.clone()],
            None => match sirt_devices::ordering::scheduled_calibrations(device, t) {
                Ok(c) => c,
                Err(e) => return (Vec::new(), Some(e)),
            },
        };
        let mut out = Vec::new();
        let mut refused = None;
        for c in &calibrations {
            for &size in &device.vial_activities {
                let required = device.nuclide.activity_at(size, c, t);
                match order(device, required, t, Some(c), VialPolicy::Closest) {
                    // The order picks the vial holding exactly `required`: this size.
                    Ok(o) if (o.chosen.nominal / size - 1.0).abs() < VIAL_MATCH => {
                        let administered = o.chosen.at_injection * self.residual.complement();
                        out.push(self.choice(&o, administered, t));
                    }
                    Ok(_) => {}
                    Err(e) => refused = Some(e),
                }
            }
        }
        (out, refused)
    }

    fn drawn(&self, t: &Instant) -> (Vec<InjectionChoice>, Option<OrderError>) {
        let mut out = Vec::new();
        let mut refused = None;
        for &a in &self.grid {
            let required = a / self.residual.complement();
            match order(
                self.device,
                required,
                t,
                self.calibration,
                VialPolicy::Closest,
            ) {
                Ok(o) => out.push(self.choice(&o, a, t)),
                Err(e) => refused = Some(e),
            }
        }
        (out, refused)
    }

    /// The choice of order `o` for `t`, administering `administered`.
    pub fn choice(&self, o: &VialOrder, administered: Activity, t: &Instant) -> InjectionChoice {
        let per_vial = o.chosen.nominal / f64::from(o.vials.max(1));
        InjectionChoice {
            injection: self.injection,
            id: self.id.to_owned(),
            device: self.device.id.clone(),
            ordering: self.device.ordering,
            calibration: o.chosen.calibration.clone(),
            nominal: per_vial,
            vials: o.vials,
            vial_at_injection: o.chosen.at_injection,
            fraction_drawn: o.fraction_drawn,
            administered,
            spheres: o.spheres,
            activity_per_sphere: self
                .device
                .activity_per_sphere
                .filter(|a| a.is_positive())
                .map(|a| self.device.nuclide.activity_at(a, &o.chosen.calibration, t)),
        }
    }
}

/// Relative tolerance under which the vial the order picked is the size asked for: 10⁻⁹
/// (design choice: the order is asked for exactly that vial's activity; only rounding differs).
const VIAL_MATCH: f64 = 1e-9;

/// A candidate before its probabilities: the day, the treatment instant and one choice per
/// injection.
pub(crate) type Raw = (i64, Instant, Vec<InjectionChoice>);

/// The largest number of candidates an optimisation evaluates: 5 000 (design choice: with the
/// default samples, about a minute on 2 cores; a window or grid beyond is refused with the
/// count, not truncated).
pub const MAX_CANDIDATES: usize = 5_000;

/// Every combination of one choice per injection (`per_injection[j]`: the choices of the
/// session's j-th injection), appended to `out` with the day; refused beyond
/// [`MAX_CANDIDATES`] in all.
pub(crate) fn combine(
    day: i64,
    treatment: &Instant,
    per_injection: &[Vec<InjectionChoice>],
    out: &mut Vec<Raw>,
) -> Result<(), OptimiseError> {
    let count = per_injection
        .iter()
        .try_fold(1usize, |acc, c| acc.checked_mul(c.len()))
        .unwrap_or(usize::MAX);
    if count == 0 {
        return Ok(());
    }
    if out.len().saturating_add(count) > MAX_CANDIDATES {
        return Err(OptimiseError::TooManyCandidates {
            found: out.len().saturating_add(count),
        });
    }
    let mut index = vec![0usize; per_injection.len()];
    loop {
        let choice = index
            .iter()
            .zip(per_injection)
            .map(|(&i, c)| c[i].clone())
            .collect();
        out.push((day, treatment.clone(), choice));
        // Odometer: the last injection turns fastest.
        let mut j = per_injection.len();
        loop {
            if j == 0 {
                return Ok(());
            }
            j -= 1;
            index[j] += 1;
            if index[j] < per_injection[j].len() {
                break;
            }
            index[j] = 0;
        }
    }
}
