//! Guideline and safety checks as cited data.
//!
//! | module | what |
//! |---|---|
//! | `rule` | [`Rule`]: id, title (and its French wording `title_fr`, [`Rule::title_text`]), [`Quantity`], [`Comparison`], threshold with unit, status on violation, filters (indication, device material, nuclide, grade, method, territory, session extent, intent, event profile), [`Basis`], source, evidence, note (and `note_fr`); [`Status::text`] and [`CheckBasis::text`] in a language |
//! | `evaluate` | [`RuleSet`] (embedded `data/rules/*.toml`, extended or overridden by site files), [`Facts`] of a plan on one [`CheckBasis`] (partition, voxel, delivered), [`Check`] results carrying that basis, their wording, values and notes as `sirt_i18n::Text` (English in JSON, rendered in the reader's language) |
//! | [`engine`] | the rule engine shared with the eligibility rules of `sirt-clinical`: [`engine::RuleSet`] generic over a [`RuleRecord`] and its [`RuleQuantity`] (file reading, site files, origins, thresholds, [`RuleFileError`]) |
//!
//! A rule states what must hold; when it does not, the result takes the rule's `on_violation`
//! status (fail, warn or info). A value that is not available gives `not_evaluated` with the
//! reason, never a silent pass.
//!
//! ```
//! use sirt_rules::{RuleSet, Facts, SessionFacts, InjectionFacts, Status};
//! use sirt_units::{AbsorbedDose, Fraction};
//! let rules = RuleSet::embedded().unwrap();
//! let facts = Facts {
//!     indication: Some("NET".into()),
//!     sessions: vec![SessionFacts {
//!         id: "1".into(), extent: "unilobar".into(),
//!         whole_liver_ntad: Some(AbsorbedDose::from_gy(80.0)),
//!         lung_dose_1kg: Some(AbsorbedDose::from_gy(5.0)),
//!         cumulative_lung_dose_1kg: Some(AbsorbedDose::from_gy(5.0)),
//!         lung_mass_is_convention: true,
//!         injections: vec![InjectionFacts {
//!             id: "R".into(), device_material: "glass".into(), nuclide: "Y-90".into(),
//!             method: "partition".into(), territory: "lobar".into(), intent: "lobar".into(),
//!             lsf: Fraction::new(0.05), ..Default::default()
//!         }],
//!         ..Default::default()
//!     }],
//!     ..Default::default()
//! };
//! let checks = rules.evaluate(&facts);
//! let ntad = checks.iter().find(|c| c.rule == "net-glass-ntad-whole-liver").unwrap();
//! assert_eq!(ntad.status, Status::Fail);
//! ```

pub mod engine;
mod evaluate;
mod rule;

pub use engine::{RuleFileError, RuleQuantity, RuleRecord, Threshold};
pub use evaluate::{Check, CheckValue, EMBEDDED_RULE_FILES, Facts, InjectionFacts, SessionFacts};
pub use rule::{
    Basis, CheckBasis, Comparison, Dimension, INTENTS, PROFILES, Quantity, Rule, Scope, Status,
};

/// The plan rules: [`engine::RuleSet`] of [`Rule`]s, evaluated on [`Facts`] by
/// [`evaluate`](engine::RuleSet::evaluate).
pub type RuleSet = engine::RuleSet<Rule>;
