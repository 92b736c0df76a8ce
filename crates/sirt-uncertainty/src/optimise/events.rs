//! The two events an optimisation counts in every draw: every tumour goal of the session met,
//! and any dose limit of the session exceeded.
//!
//! - A goal is an injection's `goal = { tumour_dose = …, tumour = … }`: the injection's own
//!   tumour dose with the ordered vial (the one the prescription aims at) at least the goal
//!   dose, for the combined tumours, every tumour or the named one.
//! - A limit is one the case sets for the injection (`normal_liver_max`, `perfused_max`,
//!   `lung_max`, with `[planning.limits]` as default) or for the session (`whole_liver_ntad_max`,
//!   `lung_session_max`, `lung_cumulative_max`); exceeded when the dose is above it.

use sirt_case::Goal;
use sirt_units::AbsorbedDose;
use sirt_workflow::{Plan, Resampler};

/// Which tumours of an injection a goal is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum GoalTarget {
    /// The mass-weighted mean of the injection's tumours.
    Combined,
    /// Each tumour of the injection.
    Every,
    /// One tumour by id.
    Named(String),
}

/// A tumour-dose goal of an injection.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TumourGoal {
    /// Injection index in the case.
    pub injection: usize,
    /// Injection id.
    pub injection_id: String,
    /// The tumours it is for.
    pub target: GoalTarget,
    /// The goal dose (at least).
    pub dose: AbsorbedDose,
}

/// What a limit bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// Perfused normal-liver dose of an injection (`normal_liver_max`).
    NormalLiver,
    /// Perfused-volume dose of an injection (`perfused_max`).
    Perfused,
    /// Lung dose of an injection (`lung_max`).
    Lung,
    /// Whole-liver normal-tissue dose of the session (`whole_liver_ntad_max`).
    WholeLiverNtad,
    /// Lung dose of the session (`lung_session_max`).
    LungSession,
    /// Cumulative lung dose up to the session (`lung_cumulative_max`).
    LungCumulative,
}

impl LimitKind {
    /// The case file's key of the limit.
    pub fn key(self) -> &'static str {
        match self {
            LimitKind::NormalLiver => "normal_liver_max",
            LimitKind::Perfused => "perfused_max",
            LimitKind::Lung => "lung_max",
            LimitKind::WholeLiverNtad => "whole_liver_ntad_max",
            LimitKind::LungSession => "lung_session_max",
            LimitKind::LungCumulative => "lung_cumulative_max",
        }
    }
}

/// A dose limit of the session or of one of its injections.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DoseLimit {
    /// What it bounds.
    pub kind: LimitKind,
    /// The injection (index in the case, id) for an injection limit; `None` for a session one.
    pub injection: Option<(usize, String)>,
    /// The limit (at most).
    pub max: AbsorbedDose,
}

/// The goals and limits of one session.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Events {
    /// The session's index in the plan.
    #[serde(skip)]
    pub session: usize,
    /// Every tumour goal.
    pub goals: Vec<TumourGoal>,
    /// Every limit.
    pub limits: Vec<DoseLimit>,
}

impl Events {
    /// The goals and limits of session `session` (index in the plan) of `plan`. The session
    /// NTAD limit is left out when the session's NTAD is not evaluable.
    pub fn of_session(plan: &Plan, session: usize) -> Self {
        let s = &plan.sessions[session];
        let mut goals = Vec::new();
        let mut limits = Vec::new();
        for &n in &s.injections {
            let input = &plan.injections[n].input;
            if let Goal::TumourDose { dose, tumour } = &input.goal {
                goals.push(TumourGoal {
                    injection: n,
                    injection_id: input.id.clone(),
                    target: match tumour.as_str() {
                        "combined" => GoalTarget::Combined,
                        "every" => GoalTarget::Every,
                        id => GoalTarget::Named(id.to_owned()),
                    },
                    dose: *dose,
                });
            }
            let l = &input.limits;
            for (kind, max) in [
                (LimitKind::NormalLiver, l.normal_liver_max),
                (LimitKind::Perfused, l.perfused_max),
                (LimitKind::Lung, l.lung_max),
            ] {
                if let Some(max) = max {
                    limits.push(DoseLimit {
                        kind,
                        injection: Some((n, input.id.clone())),
                        max,
                    });
                }
            }
        }
        let l = &plan.case.planning.limits;
        let ntad = l
            .whole_liver_ntad_max
            .filter(|_| s.ntad_not_evaluable.is_none());
        for (kind, max) in [
            (LimitKind::WholeLiverNtad, ntad),
            (LimitKind::LungSession, l.lung_session_max),
            (LimitKind::LungCumulative, l.lung_cumulative_max),
        ] {
            if let Some(max) = max {
                limits.push(DoseLimit {
                    kind,
                    injection: None,
                    max,
                });
            }
        }
        Self {
            session,
            goals,
            limits,
        }
    }

    /// Whether every goal is met by the resampler's last draw.
    pub fn goals_met(&self, r: &Resampler<'_>) -> bool {
        self.goals.iter().all(|g| goal_met(g, r))
    }

    /// Whether any limit is exceeded in the resampler's last draw.
    pub fn exceeded(&self, r: &Resampler<'_>) -> bool {
        self.limits
            .iter()
            .any(|l| limit_exceeded(l, self.session, r))
    }
}

fn goal_met(g: &TumourGoal, r: &Resampler<'_>) -> bool {
    let Some(a) = r.injections()[g.injection].planned() else {
        return false;
    };
    let d = &a.expected.doses;
    let at_least = |dose: AbsorbedDose| dose.gy() >= g.dose.gy();
    match &g.target {
        GoalTarget::Combined => d.tumours_combined.is_some_and(|c| at_least(c.dose)),
        GoalTarget::Every => {
            !d.tumours.is_empty() && d.tumours.iter().all(|(_, c)| at_least(c.dose))
        }
        GoalTarget::Named(id) => d.tumours.iter().any(|(t, c)| t == id && at_least(c.dose)),
    }
}

fn limit_exceeded(l: &DoseLimit, session: usize, r: &Resampler<'_>) -> bool {
    let dose = match (&l.injection, l.kind) {
        (Some((n, _)), kind) => {
            let Some(a) = r.injections()[*n].planned() else {
                return false;
            };
            let d = &a.expected.doses;
            match kind {
                LimitKind::NormalLiver => d.normal_liver.dose,
                LimitKind::Perfused => d.perfused.dose,
                _ => d.lung.dose,
            }
        }
        (None, kind) => {
            let Some(t) = r.sessions()[session].totals else {
                return false;
            };
            match kind {
                LimitKind::WholeLiverNtad => t.whole_liver_ntad,
                LimitKind::LungSession => t.lung_dose,
                _ => t.cumulative_lung_dose,
            }
        }
    };
    dose.gy() > l.max.gy()
}
