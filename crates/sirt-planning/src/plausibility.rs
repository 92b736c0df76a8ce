//! Plausibility of the masses and volumes a plan uses, and what the case accepts of the checks
//! that refuse them (`[[accepted]]`).
//!
//! The case's values (`liver.volume`, `lungs.mass`, `patient.weight`, `patient.height`) are
//! checked against the site's bounds (`sirt_settings::Plausibility`) by [`check_case`], before
//! the plan is made; the segmented volumes of the images (`images.liver.volume`,
//! `images.lungs.volume`) by [`check_structures`] once the structures are loaded. Each check
//! that fires refuses the plan ([`Refusal`], exit 2, HTTP 422) unless the case accepts it with a
//! reason: then a note names what was found and the report's "Accepted exceptions" section
//! prints the reason. An acceptance whose check ran and found nothing to accept is an error
//! ([`Rejection::Unused`]), so that a stale or misplaced entry never goes unnoticed.

use crate::PlanningError;
use sirt_case::Case;
use sirt_geometry::Structure;
use sirt_i18n::{Arg, Text};
use sirt_settings::{Bounds, Plausibility};
use sirt_units::{Length, Mass, Volume, short};

/// A plausibility or image-consistency check that refused an input the case does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{source_name}: `{what}`: expected {expected}, found {found}. A site changes this limit in its settings file ({setting}); a case accepts the value with [[accepted]] what = \"{what}\" and a reason"
)]
pub struct Refusal {
    /// What was checked: the case file (`case file case.toml`) or an image file.
    pub source_name: String,
    /// The check's name, as `[[accepted]] what` takes it (`liver.volume`).
    pub what: String,
    /// What was expected, with the limit.
    pub expected: String,
    /// What was found.
    pub found: String,
    /// The site setting holding the limit (`plausibility.liver_volume`).
    pub setting: String,
}

/// Why a plan is refused by these checks: a check that fired and is not accepted, or an
/// acceptance whose check ran and found nothing to accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// A check fired and the case does not accept it.
    #[error(transparent)]
    Refused(Refusal),
    /// An `[[accepted]]` entry whose check ran and passed: a stale or misplaced entry must not
    /// silently stand in the case.
    #[error(
        "{case}: field `accepted[{index}]`: `{what}` is accepted, but its check found nothing to accept (expected {expected}, found {found}): remove the entry"
    )]
    Unused {
        /// The case file (`case file case.toml`).
        case: String,
        /// Index of the entry in `[[accepted]]`.
        index: usize,
        /// The check accepted.
        what: String,
        /// Its limit.
        expected: String,
        /// What it found.
        found: String,
    },
}

/// One check that ran: what it measured, and whether it fired.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checked {
    /// The refusal it makes when it fires, not accepted.
    pub refusal: Refusal,
    /// Whether the value is outside its limit.
    pub fired: bool,
    /// The refusal's source, expected and found in the reader's language, for the note of an
    /// accepted value.
    pub source: Text,
    /// What was expected, with the limit.
    pub expected: Text,
    /// What was found.
    pub found: Text,
}

impl Checked {
    /// A check of `what` on `source` (a file, or the case file), with its refusal in English
    /// (an error message) and its texts for the note of an accepted value.
    pub(crate) fn new(
        source: Text,
        what: &str,
        expected: Text,
        found: Text,
        setting: &str,
        fired: bool,
    ) -> Self {
        Checked {
            refusal: Refusal {
                source_name: source.en(),
                what: what.to_owned(),
                expected: expected.en(),
                found: found.en(),
                setting: setting.to_owned(),
            },
            fired,
            source,
            expected,
            found,
        }
    }
}

/// Applies the case's acceptances to the checks that ran: a check that fired is refused unless
/// accepted (then a note says what was found and that it was accepted); an acceptance of a check
/// that ran and did not fire is an error. Acceptances of checks that did not run are left alone.
/// `case_name` names the case in that error (`case file case.toml`).
pub(crate) fn resolve(
    case: &Case,
    case_name: &str,
    checked: Vec<Checked>,
    notes: &mut Vec<Text>,
) -> Result<(), Rejection> {
    for c in checked {
        let r = c.refusal;
        let index = case.accepted.iter().position(|a| a.what == r.what);
        match (c.fired, index) {
            (true, None) => return Err(Rejection::Refused(r)),
            (true, Some(n)) => notes.push(Text::with(
                "note-accepted",
                vec![
                    ("what", Arg::from(&r.what)),
                    ("source", Arg::from(c.source)),
                    ("found", Arg::from(c.found)),
                    ("expected", Arg::from(c.expected)),
                    ("index", Arg::from(n)),
                    ("reason", Arg::from(&case.accepted[n].reason)),
                ],
            )),
            (false, Some(index)) => {
                return Err(Rejection::Unused {
                    case: case_name.to_owned(),
                    index,
                    what: r.what,
                    expected: r.expected,
                    found: r.found,
                });
            }
            (false, None) => {}
        }
    }
    Ok(())
}

/// A volume in litres, shortest form ("1.65 L").
pub(crate) fn litres(v: Volume) -> String {
    format!("{} L", short(v.ml() / 1000.0))
}

fn kg(m: Mass) -> String {
    format!("{} kg", short(m.kg()))
}

fn metres(l: Length) -> String {
    format!("{} m", short(l.m()))
}

/// The check of `value` against `bounds`, printed with `show` (a number text in English, put
/// in the reader's language by [`sirt_i18n::Lang::numeric`]).
fn within<Q: PartialOrd + Copy>(
    source: Text,
    what: &str,
    quantity: Text,
    value: Q,
    bounds: Bounds<Q>,
    show: fn(Q) -> String,
    setting: &str,
) -> Checked {
    let expected = Text::with(
        "note-plausible-range",
        vec![
            ("quantity", Arg::from(quantity)),
            ("min", Arg::Numeric(show(bounds.min))),
            ("max", Arg::Numeric(show(bounds.max))),
        ],
    );
    let found = Text::with("note-value", vec![("value", Arg::Numeric(show(value)))]);
    Checked::new(
        source,
        what,
        expected,
        found,
        setting,
        !bounds.contains(value),
    )
}

/// The case's values against the site's bounds: whole-liver volume, lung mass (as stated, or
/// CT volume × density; the 1 kg convention is not a measurement and is not checked), patient
/// weight and height (when given). Notes for accepted values are added to `notes`.
pub(crate) fn check_case(
    case: &Case,
    case_file: &str,
    bounds: &Plausibility,
    notes: &mut Vec<Text>,
) -> Result<(), PlanningError> {
    let source = Text::with(
        "note-source-case-file",
        vec![("file", Arg::from(case_file))],
    );
    let mut checked = vec![within(
        source.clone(),
        "liver.volume",
        Text::msg("note-quantity-liver-volume"),
        case.liver.volume,
        bounds.liver_volume,
        litres,
        "[plausibility] liver_volume",
    )];
    if !matches!(
        case.lungs.basis,
        sirt_analytic::lung::LungMassBasis::Convention
    ) {
        checked.push(within(
            source.clone(),
            "lungs.mass",
            Text::msg("note-quantity-lung-mass"),
            case.lungs.mass,
            bounds.lung_mass,
            kg,
            "[plausibility] lung_mass",
        ));
    }
    if let Some(w) = case.patient.weight {
        checked.push(within(
            source.clone(),
            "patient.weight",
            Text::msg("note-quantity-body-weight"),
            w,
            bounds.patient_weight,
            kg,
            "[plausibility] patient_weight",
        ));
    }
    if let Some(h) = case.patient.height {
        checked.push(within(
            source.clone(),
            "patient.height",
            Text::msg("note-quantity-body-height"),
            h,
            bounds.patient_height,
            metres,
            "[plausibility] patient_height",
        ));
    }
    resolve(case, &source.en(), checked, notes).map_err(|e| PlanningError::Refused(Box::new(e)))
}

/// The segmented volumes of the liver and lung structures (mask voxels × voxel volume) against
/// the site's bounds; `structures_file` names the structures' file.
pub(crate) fn check_structures(
    case: &Case,
    structures_file: &str,
    structures: &[Structure],
    bounds: &Plausibility,
    notes: &mut Vec<Text>,
) -> Result<(), Rejection> {
    let Some(images) = &case.images else {
        return Ok(());
    };
    let volume_of = |name: &str| {
        structures
            .iter()
            .find(|s| s.name == name)
            .map(|s| Volume::from_ml(s.mask.volume_ml()))
    };
    let mut checked = Vec::new();
    if let Some(v) = volume_of(&images.liver) {
        checked.push(within(
            structure_source(structures_file, &images.liver),
            "images.liver.volume",
            Text::msg("note-quantity-segmented-liver-volume"),
            v,
            bounds.liver_volume,
            litres,
            "[plausibility] liver_volume",
        ));
    }
    if let Some(name) = &images.lungs
        && let Some(v) = volume_of(name)
    {
        checked.push(within(
            structure_source(structures_file, name),
            "images.lungs.volume",
            Text::msg("note-quantity-segmented-lung-volume"),
            v,
            bounds.lung_volume,
            litres,
            "[plausibility] lung_volume",
        ));
    }
    resolve(case, "the case file", checked, notes)
}

/// A structure of a structures file, as a check's source: `file (structure "name")`.
fn structure_source(file: &str, name: &str) -> Text {
    Text::with(
        "note-source-structure",
        vec![("file", Arg::from(file)), ("name", Arg::from(name))],
    )
}
