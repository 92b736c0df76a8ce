//! A recorded delivery given as a typed override (`DeliveryOverride`) replaces the case file's
//! `[injections.delivery]`, or adds one, and is validated as the file's would be.

#![allow(clippy::unwrap_used)]

use sirt_case::{DeliveryOverride, InjectionOverrides, Overrides, parse_with_overrides};
use sirt_units::{Activity, Instant};

const CASE: &str = include_str!("../../../examples/demo-net-case.toml");

fn at(s: &str) -> Instant {
    s.parse().unwrap()
}

fn with(id: &str, d: DeliveryOverride) -> Overrides {
    let mut o = Overrides::default();
    o.injections.insert(
        id.into(),
        InjectionOverrides {
            delivery: Some(d),
            ..InjectionOverrides::default()
        },
    );
    o
}

fn recorded() -> DeliveryOverride {
    DeliveryOverride {
        injected: at("2026-03-05T10:20:00[Europe/Paris]"),
        vial_activity: Some(Activity::from_gbq(1.94)),
        residual: Activity::from_gbq(0.05),
        residual_measured: at("2026-03-05T11:00:00[Europe/Paris]"),
    }
}

#[test]
fn a_recorded_delivery_replaces_the_case_files() {
    let file = parse_with_overrides(CASE, "case.toml", &Overrides::default()).unwrap();
    let r = file.injections.iter().find(|i| i.id == "R").unwrap();
    assert_eq!(
        r.delivery.as_ref().unwrap().residual,
        Activity::from_gbq(0.09)
    );

    let case = parse_with_overrides(CASE, "case.toml", &with("R", recorded())).unwrap();
    let r = case.injections.iter().find(|i| i.id == "R").unwrap();
    let d = r.delivery.as_ref().unwrap();
    assert_eq!(d.residual, Activity::from_gbq(0.05));
    assert_eq!(d.vial_activity, Some(Activity::from_gbq(1.94)));
    assert_eq!(d.injected, at("2026-03-05T10:20:00[Europe/Paris]"));
    // An injection without one in the file gets the recorded one.
    let mut l = recorded();
    l.injected = at("2026-06-04T10:20:00[Europe/Paris]");
    l.residual_measured = at("2026-06-04T10:50:00[Europe/Paris]");
    let case = parse_with_overrides(CASE, "case.toml", &with("L", l)).unwrap();
    let l = case.injections.iter().find(|i| i.id == "L").unwrap();
    assert_eq!(
        l.delivery.as_ref().unwrap().residual,
        Activity::from_gbq(0.05)
    );
}

#[test]
fn a_recorded_delivery_is_validated_as_the_files() {
    let mut bad = recorded();
    bad.vial_activity = Some(Activity::from_gbq(0.0));
    let e = parse_with_overrides(CASE, "case.toml", &with("R", bad))
        .unwrap_err()
        .to_string();
    assert!(e.contains("delivery.vial_activity"), "{e}");
    let e = parse_with_overrides(CASE, "case.toml", &with("X", recorded()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("injections.X"), "{e}");
}
