//! The treatment-history quantities (`earlier_sirt`, `earlier_prrt`,
//! `imaging_age_over_site_limit`) of `data/rules/retreatment.toml`: each fires on its flag with
//! its detail beside the rule's note, passes without it, and only on the partition values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_rules::{Check, CheckBasis, Facts, InjectionFacts, RuleSet, SessionFacts, Status};

fn facts(basis: CheckBasis, prrt: bool, session: SessionFacts) -> Facts {
    Facts {
        check_basis: basis,
        indication: Some("HCC".into()),
        earlier_prrt: prrt,
        earlier_prrt_detail: prrt.then(|| "PRRT 2023-05-15 (4 cycles)".into()),
        sessions: vec![SessionFacts {
            id: "2".into(),
            extent: "unilobar".into(),
            injections: vec![InjectionFacts {
                id: "R".into(),
                device_material: "glass".into(),
                nuclide: "Y-90".into(),
                method: "mird".into(),
                territory: "lobar".into(),
                intent: "lobar".into(),
                ..Default::default()
            }],
            ..session
        }],
        ..Default::default()
    }
}

fn find<'a>(checks: &'a [Check], rule: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.rule == rule)
        .unwrap_or_else(|| panic!("no check {rule}: {checks:#?}"))
}

#[test]
fn history_flags_fire_with_their_detail() {
    let rules = RuleSet::embedded().unwrap();
    let fired = rules.evaluate(&facts(
        CheckBasis::Partition,
        true,
        SessionFacts {
            earlier_sirt: true,
            earlier_sirt_detail: Some("earlier SIRT 2024-01-10".into()),
            imaging_age_over_limit: Some(true),
            imaging_detail: Some("imaging of 2026-01-02, 98.0 days old".into()),
            ..Default::default()
        },
    ));
    let c = find(&fired, "retreatment-first-treatment-thresholds");
    assert_eq!((c.status, c.subject.as_str()), (Status::Warn, "session 2"));
    assert!(
        c.note
            .as_ref()
            .map(sirt_i18n::Text::en)
            .as_deref()
            .unwrap()
            .starts_with("earlier SIRT 2024-01-10. A retreatment")
    );
    let c = find(&fired, "retreatment-after-prrt");
    assert_eq!((c.status, c.subject.as_str()), (Status::Info, "patient"));
    assert!(
        c.note
            .as_ref()
            .map(sirt_i18n::Text::en)
            .as_deref()
            .unwrap()
            .starts_with("PRRT 2023-05-15")
    );
    let c = find(&fired, "imaging-age-site-limit");
    assert_eq!(c.status, Status::Warn);
    assert!(
        c.note
            .as_ref()
            .map(sirt_i18n::Text::en)
            .as_deref()
            .unwrap()
            .contains("98.0 days old")
    );

    let passed = rules.evaluate(&facts(
        CheckBasis::Partition,
        false,
        SessionFacts {
            imaging_age_over_limit: Some(false),
            ..Default::default()
        },
    ));
    for rule in [
        "retreatment-first-treatment-thresholds",
        "retreatment-after-prrt",
        "imaging-age-site-limit",
    ] {
        assert_eq!(find(&passed, rule).status, Status::Pass, "{rule}");
    }
    let unknown = rules.evaluate(&facts(
        CheckBasis::Partition,
        false,
        SessionFacts::default(),
    ));
    assert_eq!(
        find(&unknown, "imaging-age-site-limit").status,
        Status::NotEvaluated
    );
}

#[test]
fn history_checks_are_partition_checks_only() {
    let rules = RuleSet::embedded().unwrap();
    let voxel = rules.evaluate(&facts(
        CheckBasis::Voxel,
        true,
        SessionFacts {
            earlier_sirt: true,
            imaging_age_over_limit: Some(true),
            ..Default::default()
        },
    ));
    assert!(
        voxel
            .iter()
            .all(|c| !c.rule.starts_with("retreatment") && c.rule != "imaging-age-site-limit"),
        "{voxel:#?}"
    );
}
