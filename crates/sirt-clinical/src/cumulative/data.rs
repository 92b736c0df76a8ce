//! The cited records of the cumulative dose over a patient's course: absorbed dose per
//! administered activity of radiopharmaceuticals per organ (with an optional effective
//! half-life), cumulative limits with the quantity they were set in, and the statements shown
//! where no limit applies. Read from `data/cumulative.toml` and extended by site files like
//! `radiobiology.toml`: a record with an existing id replaces it, `enabled = false` removes it,
//! errors name file, table, record, field, what was expected and what was found.

use super::OrganKind;
use crate::radiobiology::{Problem as Bad, RadiobiologyDataError, RawRecord, merge_records};
use serde::Deserialize;
use sirt_units::{AbsorbedDose, TimeSpan};

/// The embedded data file (origin, text).
pub const EMBEDDED_CUMULATIVE_FILE: (&str, &str) = (
    "crates/sirt-clinical/data/cumulative.toml",
    include_str!("../../data/cumulative.toml"),
);

/// An organ's absorbed dose per administered activity of a radiopharmaceutical.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OrganPerActivity {
    /// The organ (normal liver or kidneys).
    pub organ: OrganKind,
    /// Gy per GBq administered.
    pub gy_per_gbq: f64,
    /// Citation.
    pub source: String,
    /// Evidence label.
    pub evidence: String,
    /// The effective half-life in the organ, when a source gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_half_life: Option<TimeSpan>,
    /// Its source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_half_life_source: Option<String>,
}

/// A radiopharmaceutical of PRRT (or any systemic radionuclide therapy).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Radiopharmaceutical {
    /// Id, as `earlier_treatments[].radiopharmaceutical` names it.
    pub id: String,
    /// Wording.
    pub title: String,
    /// Its nuclide, as written ("Lu-177").
    pub nuclide: String,
    /// Gy/GBq per organ.
    pub organs: Vec<OrganPerActivity>,
    /// The file the record came from.
    pub origin: String,
}

/// The quantity a cumulative limit was set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitQuantity {
    /// Biologically effective dose.
    Bed,
    /// Absorbed dose.
    AbsorbedDose,
}

/// Which patients a limit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applies {
    /// Every patient.
    Always,
    /// Patients with renal risk factors (Bodei 2008: mainly hypertension and diabetes).
    WithKidneyRiskFactors,
    /// Patients without them.
    WithoutKidneyRiskFactors,
}

/// A cumulative limit from a source: the cumulative value must stay below `threshold`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CumulativeLimit {
    /// Id.
    pub id: String,
    /// The organ.
    pub organ: OrganKind,
    /// BED or absorbed dose.
    pub quantity: LimitQuantity,
    /// The value the cumulative quantity must stay below.
    pub threshold: AbsorbedDose,
    /// Which patients.
    pub applies: Applies,
    /// Wording (English).
    pub title: String,
    /// French wording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_fr: Option<String>,
    /// Citation.
    pub source: String,
    /// Evidence label.
    pub evidence: String,
    /// The file the record came from.
    pub origin: String,
}

/// What is said of an organ where no cumulative limit applies.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NoLimit {
    /// The organ.
    pub organ: OrganKind,
    /// Statement (English).
    pub statement: String,
    /// French statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_fr: Option<String>,
    /// Citation.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    radiopharmaceutical: Vec<RawRadiopharmaceutical>,
    #[serde(default)]
    limit: Vec<RawLimit>,
    #[serde(default)]
    no_limit: Vec<RawNoLimit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRadiopharmaceutical {
    id: String,
    enabled: Option<bool>,
    title: Option<String>,
    nuclide: Option<String>,
    #[serde(default)]
    organ: Vec<RawOrgan>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrgan {
    organ: OrganKind,
    gy_per_gbq: f64,
    source: String,
    evidence: String,
    effective_half_life: Option<TimeSpan>,
    effective_half_life_source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    id: String,
    enabled: Option<bool>,
    organ: Option<OrganKind>,
    quantity: Option<LimitQuantity>,
    threshold: Option<AbsorbedDose>,
    applies: Option<Applies>,
    title: Option<String>,
    title_fr: Option<String>,
    source: Option<String>,
    evidence: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNoLimit {
    organ: OrganKind,
    statement: String,
    statement_fr: Option<String>,
    source: String,
}

/// The records the cumulative dose is computed and checked with.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CumulativeData {
    radiopharmaceuticals: Vec<Radiopharmaceutical>,
    limits: Vec<CumulativeLimit>,
    no_limits: Vec<NoLimit>,
}

fn bad(field: &'static str, expected: &str, found: impl ToString) -> Bad {
    Bad {
        field,
        expected: expected.to_owned(),
        found: found.to_string(),
    }
}

fn need<T>(v: Option<T>, field: &'static str) -> Result<T, Bad> {
    v.ok_or_else(|| bad(field, "a value", "nothing"))
}

impl RawRadiopharmaceutical {
    fn build(self, origin: &str) -> Result<Radiopharmaceutical, Bad> {
        let mut organs = Vec::new();
        for o in self.organ {
            if !(o.gy_per_gbq.is_finite() && o.gy_per_gbq > 0.0) {
                return Err(bad("organ.gy_per_gbq", "a number above 0", o.gy_per_gbq));
            }
            if !matches!(o.organ, OrganKind::NormalLiver | OrganKind::Kidneys) {
                return Err(bad("organ", "normal_liver or kidneys", o.organ.label()));
            }
            if let Some(t) = o.effective_half_life.filter(|t| !t.is_positive()) {
                return Err(bad(
                    "organ.effective_half_life",
                    "a time span above zero",
                    t,
                ));
            }
            if o.effective_half_life.is_some() && o.effective_half_life_source.is_none() {
                return Err(bad(
                    "organ.effective_half_life",
                    "effective_half_life_source beside it",
                    "no source",
                ));
            }
            organs.push(OrganPerActivity {
                organ: o.organ,
                gy_per_gbq: o.gy_per_gbq,
                source: o.source,
                evidence: o.evidence,
                effective_half_life: o.effective_half_life,
                effective_half_life_source: o.effective_half_life_source,
            });
        }
        Ok(Radiopharmaceutical {
            title: need(self.title, "title")?,
            nuclide: need(self.nuclide, "nuclide")?,
            organs,
            origin: origin.to_owned(),
            id: self.id,
        })
    }
}

impl RawLimit {
    fn build(self, origin: &str) -> Result<CumulativeLimit, Bad> {
        let threshold = need(self.threshold, "threshold")?;
        if !threshold.is_positive() {
            return Err(bad("threshold", "a dose above zero", threshold));
        }
        Ok(CumulativeLimit {
            organ: need(self.organ, "organ")?,
            quantity: need(self.quantity, "quantity")?,
            threshold,
            applies: need(self.applies, "applies")?,
            title: need(self.title, "title")?,
            title_fr: self.title_fr,
            source: need(self.source, "source")?,
            evidence: need(self.evidence, "evidence")?,
            origin: origin.to_owned(),
            id: self.id,
        })
    }
}

impl RawRecord for RawRadiopharmaceutical {
    fn id(&self) -> &str {
        &self.id
    }
    fn removes(&self) -> bool {
        self.enabled == Some(false)
    }
}

impl RawRecord for RawLimit {
    fn id(&self) -> &str {
        &self.id
    }
    fn removes(&self) -> bool {
        self.enabled == Some(false)
    }
}

impl CumulativeData {
    /// The embedded records ([`EMBEDDED_CUMULATIVE_FILE`]).
    pub fn embedded() -> Result<Self, RadiobiologyDataError> {
        Self::with_site_files([])
    }

    /// The embedded records extended by site files, given as (file name, text), in order.
    pub fn with_site_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RadiobiologyDataError> {
        let mut data = Self::default();
        let (origin, text) = EMBEDDED_CUMULATIVE_FILE;
        data.merge_toml(text, origin)?;
        for (origin, text) in files {
            data.merge_toml(text, origin)?;
        }
        Ok(data)
    }

    /// Adds the records of a (site) file; on error nothing of the file is kept. A
    /// `[[no_limit]]` replaces the statement of its organ.
    pub fn merge_toml(&mut self, text: &str, origin: &str) -> Result<(), RadiobiologyDataError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| RadiobiologyDataError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let mut next = self.clone();
        merge_records(
            &mut next.radiopharmaceuticals,
            raw.radiopharmaceutical,
            origin,
            "radiopharmaceutical",
            |x| &x.id,
            |r| r.build(origin),
        )?;
        merge_records(
            &mut next.limits,
            raw.limit,
            origin,
            "limit",
            |x| &x.id,
            |l| l.build(origin),
        )?;
        for n in raw.no_limit {
            let statement = NoLimit {
                organ: n.organ,
                statement: n.statement,
                statement_fr: n.statement_fr,
                source: n.source,
            };
            match next
                .no_limits
                .iter()
                .position(|x| x.organ == statement.organ)
            {
                Some(at) => next.no_limits[at] = statement,
                None => next.no_limits.push(statement),
            }
        }
        *self = next;
        Ok(())
    }

    /// The radiopharmaceutical records.
    pub fn radiopharmaceuticals(&self) -> &[Radiopharmaceutical] {
        &self.radiopharmaceuticals
    }

    /// The radiopharmaceutical with this id.
    pub fn radiopharmaceutical(&self, id: &str) -> Option<&Radiopharmaceutical> {
        self.radiopharmaceuticals.iter().find(|r| r.id == id)
    }

    /// The cumulative limits.
    pub fn limits(&self) -> &[CumulativeLimit] {
        &self.limits
    }

    /// The statement for an organ (tumours share one), when there is one.
    pub fn no_limit(&self, organ: OrganKind) -> Option<&NoLimit> {
        self.no_limits.iter().find(|n| n.organ == organ)
    }
}
