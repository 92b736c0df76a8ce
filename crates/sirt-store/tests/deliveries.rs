//! Delivery records in the store, SQLite and PostgreSQL: sessions one at a time and in order, the
//! plan delivered after its last session, one record per injection (a correction a new version,
//! the old kept; two recordings of one injection at once: exactly one wins), roles, and the
//! migration's partial unique index.

// Scenario tests read as one story; their length is allowed (test code only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines
)]

mod harness;

use sirt_store::*;

const CASE: &str = include_str!("../../../examples/demo-net-case.toml");

async fn actor(store: &Store, name: &str, role: Role) -> Actor {
    let u = store
        .create_user(
            &Actor::system("test"),
            &NewUser {
                username: name.into(),
                display_name: name.into(),
                role,
                password_hash: "$argon2id$v=19$test".into(),
            },
        )
        .await
        .unwrap();
    Actor::user(&u)
}

fn record(injection: &str, correction: Option<&str>) -> NewDelivery {
    NewDelivery {
        injection_id: injection.into(),
        administered_at: "2026-03-05T10:25:00[Europe/Paris]".into(),
        vial_entered: "1.95 GBq".into(),
        vial_activity_gbq: 1.95,
        vial_assayed_at: "2026-03-05T09:40:00[Europe/Paris]".into(),
        vial_at_injection_gbq: 1.9413,
        residual_entered: "0.05 GBq".into(),
        residual_gbq: 0.05,
        residual_measured_at: "2026-03-05T11:00:00[Europe/Paris]".into(),
        delivered_activity_gbq: 1.8911,
        catheter_position: "right hepatic artery".into(),
        confirm_reason: None,
        correction_reason: correction.map(str::to_owned),
    }
}

fn session(id: &str, records: Vec<NewDelivery>) -> SessionDelivery {
    SessionDelivery {
        session_id: id.into(),
        records,
        sessions: vec![
            ("1".into(), vec!["R".into()]),
            ("2".into(), vec!["L".into()]),
        ],
        addendum: harness::test_addendum(&format!("session {id}")),
    }
}

/// An approved plan of the two-session demo.
async fn approved(store: &Store, dr: &Actor, ph: &Actor) -> Plan {
    let (_, _, plan) = store
        .import_case(
            ph,
            &NewPatient {
                mrn: "DEMO-NET-001".into(),
                name: "Doe, John".into(),
                birth_date: None,
                sex: Some("male".into()),
                pseudonym: None,
            },
            &NewCase {
                patient_id: 0,
                title: "demo".into(),
                indication: "NET".into(),
            },
            &PlanInputs {
                case_toml: CASE.into(),
                parameters_json: "{}".into(),
                result_json: "{}".into(),
            },
        )
        .await
        .unwrap();
    let c = store
        .check_plan(ph, plan.id, plan.row_version)
        .await
        .unwrap();
    harness::approve(store, dr, plan.id, c.row_version)
        .await
        .unwrap()
}

both!(sessions_are_delivered_one_at_a_time);
async fn sessions_are_delivered_one_at_a_time(url: &str) {
    let store = Store::open(url).await.unwrap();
    let dr = actor(&store, "dr.house", Role::Physician).await;
    let ph = actor(&store, "phys.curie", Role::Physicist).await;
    let tech = actor(&store, "tech.bob", Role::Technologist).await;
    let viewer = actor(&store, "view.vic", Role::Viewer).await;
    let plan = approved(&store, &dr, &ph).await;

    // A viewer may not; session 2 not before session 1; L is not an injection of session 1.
    assert!(matches!(
        store
            .deliver_plan(
                &viewer,
                plan.id,
                plan.row_version,
                &session("1", vec![record("R", None)])
            )
            .await,
        Err(StoreError::RoleNotAllowed { .. })
    ));
    let e = store
        .deliver_plan(
            &tech,
            plan.id,
            plan.row_version,
            &session("2", vec![record("L", None)]),
        )
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "field `session`: expected session 1 delivered before session 2, found session 1 not delivered"
    );
    let e = store
        .deliver_plan(
            &tech,
            plan.id,
            plan.row_version,
            &session("1", vec![record("L", None)]),
        )
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "field `injection_id`: expected an injection of session 1 (R), found `L`"
    );
    assert_eq!(store.plan(plan.id).await.unwrap(), plan, "nothing written");

    // Session 1: the plan stays approved, its result replaced.
    let (p1, d1) = store
        .deliver_plan(
            &tech,
            plan.id,
            plan.row_version,
            &session("1", vec![record("R", None)]),
        )
        .await
        .unwrap();
    assert_eq!(p1.state, PlanState::Approved);
    assert_eq!(p1.delivered_by, None);
    assert_eq!(
        p1.result_json, plan.result_json,
        "the approved result unchanged"
    );
    assert_eq!(p1.row_version, plan.row_version + 1);
    assert_eq!(
        p1.inputs_sha256, plan.inputs_sha256,
        "the approved inputs unchanged"
    );
    assert_eq!(d1.sessions.len(), 1);
    assert_eq!(d1.records[0].recorded_by, "tech.bob");

    // One record per injection: without a reason refused, with one a new version.
    let e = store
        .deliver_plan(
            &tech,
            plan.id,
            p1.row_version,
            &session("1", vec![record("R", None)]),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("field `correction_reason`: expected a reason for correcting the recorded delivery of injection R (version 1, recorded by tech.bob at "), "{e}");
    let (p2, d2) = store
        .deliver_plan(
            &ph,
            plan.id,
            p1.row_version,
            &session("1", vec![record("R", Some("re-measured"))]),
        )
        .await
        .unwrap();
    assert_eq!(d2.records.len(), 2);
    assert!(!d2.records[0].current && d2.records[1].current);
    assert_eq!(d2.records[1].replaces, Some(d2.records[0].id));
    assert_eq!(d2.records[1].record_version, 2);
    assert_eq!(d2.sessions.len(), 1, "the session stays delivered once");
    assert_eq!(p2.state, PlanState::Approved);
    // The case's treatments: the correction only.
    let treatments = store.treatments_of_case(p2.case_id).await.unwrap();
    assert_eq!(treatments.len(), 1);
    assert_eq!(treatments[0].id, d2.records[1].id);

    // Session 2: the plan is delivered.
    let (p3, d3) = store
        .deliver_plan(
            &dr,
            plan.id,
            p2.row_version,
            &session("2", vec![record("L", None)]),
        )
        .await
        .unwrap();
    assert_eq!(p3.state, PlanState::Delivered);
    assert_eq!(p3.delivered_by.as_deref(), Some("dr.house"));
    assert_eq!(
        d3.sessions
            .iter()
            .map(|s| s.session_id.as_str())
            .collect::<Vec<_>>(),
        ["1", "2"]
    );
    // A delivered plan takes corrections only.
    assert!(matches!(
        store
            .deliver_plan(
                &dr,
                plan.id,
                p3.row_version,
                &session("2", vec![record("L", None)])
            )
            .await,
        Err(StoreError::IllegalTransition {
            action: "deliver",
            state: PlanState::Delivered,
            ..
        })
    ));
    let (p4, _) = store
        .deliver_plan(
            &dr,
            plan.id,
            p3.row_version,
            &session("2", vec![record("L", Some("typo"))]),
        )
        .await
        .unwrap();
    assert_eq!(p4.state, PlanState::Delivered);
    assert_eq!(store.deliveries(plan.id).await.unwrap().records.len(), 4);
}

both!(of_two_recordings_of_one_injection_at_once_one_wins);
async fn of_two_recordings_of_one_injection_at_once_one_wins(url: &str) {
    let store = Store::open(url).await.unwrap();
    let dr = actor(&store, "dr.house", Role::Physician).await;
    let ph = actor(&store, "phys.curie", Role::Physicist).await;
    let tech = actor(&store, "tech.bob", Role::Technologist).await;
    let plan = approved(&store, &dr, &ph).await;
    let a = session("1", vec![record("R", None)]);
    let b = session("1", vec![record("R", None)]);
    let (ra, rb) = tokio::join!(
        store.deliver_plan(&tech, plan.id, plan.row_version, &a),
        store.deliver_plan(&ph, plan.id, plan.row_version, &b),
    );
    assert_eq!(
        usize::from(ra.is_ok()) + usize::from(rb.is_ok()),
        1,
        "{ra:?} {rb:?}"
    );
    assert_eq!(store.deliveries(plan.id).await.unwrap().records.len(), 1);
}
