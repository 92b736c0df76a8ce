//! The store on SQLite and on PostgreSQL: the same suite on both (`both!`).

// Scenario tests read as one story; their length is allowed (test code only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::panic,
    clippy::too_many_lines
)]

mod harness;

use sirt_store::*;
use sqlx::Connection;
use std::process::Command;

const CASE: &str = include_str!("../../../examples/demo-net-case.toml");

async fn open(url: &str) -> Store {
    Store::open(url).await.expect("open store")
}

fn user_actor(id: i64, name: &str, role: Role) -> Actor {
    Actor {
        user_id: Some(id),
        name: name.to_owned(),
        role: Some(role),
    }
}

/// Three accounts (physician, physicist, technologist) as actors.
async fn staff(store: &Store) -> (Actor, Actor, Actor) {
    let admin = Actor::system("test");
    let mut out = Vec::new();
    for (name, role) in [
        ("dr.house", Role::Physician),
        ("phys.curie", Role::Physicist),
        ("tech.bob", Role::Technologist),
    ] {
        let u = store
            .create_user(
                &admin,
                &NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    role,
                    password_hash: "$argon2id$v=19$test".into(),
                },
            )
            .await
            .unwrap();
        out.push(Actor::user(&u));
    }
    let t = out.pop().unwrap();
    let ph = out.pop().unwrap();
    let dr = out.pop().unwrap();
    (dr, ph, t)
}

fn inputs(params: &str) -> PlanInputs {
    PlanInputs {
        case_toml: CASE.into(),
        parameters_json: params.into(),
        result_json: r#"{"injections":[]}"#.into(),
    }
}

/// The delivery of injection R as the plan's one session (the store trusts the sessions the
/// server gives it: `deliveries`).
fn delivery_of_r() -> SessionDelivery {
    SessionDelivery {
        session_id: "1".into(),
        records: vec![NewDelivery {
            injection_id: "R".into(),
            administered_at: "2026-03-05T10:25:00[Europe/Paris]".into(),
            vial_entered: "1.92 GBq".into(),
            vial_activity_gbq: 1.92,
            vial_assayed_at: "2026-03-05T10:25:00[Europe/Paris]".into(),
            vial_at_injection_gbq: 1.92,
            residual_entered: "0.09 GBq".into(),
            residual_gbq: 0.09,
            residual_measured_at: "2026-03-05T10:25:00[Europe/Paris]".into(),
            delivered_activity_gbq: 1.83,
            catheter_position: "right hepatic artery".into(),
            confirm_reason: None,
            correction_reason: None,
        }],
        sessions: vec![("1".into(), vec!["R".into()])],
        addendum: harness::test_addendum("session 1, injection R"),
    }
}

/// A patient, a case and a draft plan.
async fn draft(store: &Store, actor: &Actor, mrn: &str) -> (Patient, Case, Plan) {
    store
        .import_case(
            actor,
            &NewPatient {
                mrn: mrn.into(),
                name: "Doe, John".into(),
                birth_date: Some("1972-04-01".into()),
                sex: Some("male".into()),
                pseudonym: None,
            },
            &NewCase {
                patient_id: 0,
                title: "Bilobar NET".into(),
                indication: "NET".into(),
            },
            &inputs("{}"),
        )
        .await
        .unwrap()
}

async fn audit_of(store: &Store, entity: &str, id: i64) -> Vec<AuditEntry> {
    let mut rows = store
        .audit(&AuditQuery {
            entity: Some(entity.into()),
            entity_id: Some(id.to_string()),
            ..Default::default()
        })
        .await
        .unwrap();
    rows.reverse();
    rows
}

both!(migrations_are_idempotent);
async fn migrations_are_idempotent(url: &str) {
    let store = open(url).await;
    // Migrations of parallel work may land out of order: every one applied, the newest last.
    let versions = store.schema_versions().await.unwrap();
    assert!(
        versions.starts_with(&[1, 2, 3]) && versions.contains(&6),
        "{versions:?}"
    );
    assert_eq!(
        versions.last().copied(),
        Some(Store::latest_schema_version())
    );
    let p = store
        .create_patient(
            &Actor::system("test"),
            &NewPatient {
                mrn: "M1".into(),
                name: "A".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store.close().await;
    // Opening again applies nothing and keeps the data; twice at once too.
    let (a, b) = tokio::join!(Store::open(url), Store::open(url));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.schema_versions().await.unwrap(), versions);
    assert_eq!(b.patient(p.id).await.unwrap(), p);
    a.close().await;
    b.close().await;
}

both!(every_change_writes_one_audit_row_with_before_and_after);
async fn every_change_writes_one_audit_row_with_before_and_after(url: &str) {
    let store = open(url).await;
    let (dr, ph, tech) = staff(&store).await;
    let (patient, case, plan) = draft(&store, &dr, "A-1").await;
    let study = store
        .add_study(
            &tech,
            &NewStudy {
                patient_id: patient.id,
                modality: "CT".into(),
                description: Some("triphasic liver CT".into()),
                study_date: Some("2026-02-10".into()),
                source: Some("upload-1".into()),
            },
        )
        .await
        .unwrap();
    let edited = store
        .edit_plan(
            &ph,
            plan.id,
            plan.row_version,
            &PlanEdit {
                case_toml: None,
                parameters_json: r#"{"injections":{"R":{"tnr":{"T1":3.1}}}}"#.into(),
                result_json: r#"{"injections":[1]}"#.into(),
            },
        )
        .await
        .unwrap();
    let EditOutcome::Updated(edited) = edited else {
        panic!("a draft changes in place")
    };
    let checked = store
        .check_plan(&ph, plan.id, edited.row_version)
        .await
        .unwrap();
    let approved = harness::approve(&store, &dr, plan.id, checked.row_version)
        .await
        .unwrap();
    let delivered = store
        .deliver_plan(&tech, plan.id, approved.row_version, &delivery_of_r())
        .await
        .unwrap()
        .0;
    let fu = store
        .add_follow_up(
            &dr,
            &NewFollowUp {
                case_id: case.id,
                visit_date: "2026-04-05".into(),
                labs_json: r#"{"bilirubin_mg_dl":0.7}"#.into(),
                recist: Some("[[lesions]]".into()),
                notes: None,
            },
        )
        .await
        .unwrap();
    let tox = store
        .add_toxicity(
            &dr,
            &NewToxicity {
                case_id: case.id,
                follow_up_id: Some(fu.id),
                term: "Fatigue".into(),
                grade: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let doc = store
        .add_document(
            &dr,
            &NewDocument {
                case_id: Some(case.id),
                plan_id: Some(plan.id),
                kind: "plan-report".into(),
                mime: "text/html".into(),
                content: DocumentContent::Inline(b"<p>report</p>".to_vec()),
            },
        )
        .await
        .unwrap();
    let updated_case = store
        .update_case(&dr, case.id, case.row_version, "Bilobar NET, staged", "NET")
        .await
        .unwrap();

    // One row per change, in order, each naming its actor.
    let plan_rows = audit_of(&store, "plan", plan.id).await;
    let actions: Vec<&str> = plan_rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "plan.create",
            "plan.edit",
            "plan.check",
            "plan.approve",
            "plan.deliver"
        ]
    );
    let users: Vec<&str> = plan_rows.iter().map(|r| r.username.as_str()).collect();
    assert_eq!(
        users,
        [
            "dr.house",
            "phys.curie",
            "phys.curie",
            "dr.house",
            "tech.bob"
        ]
    );
    assert!(plan_rows[0].before.is_none());
    assert_eq!(plan_rows[0].after.as_ref().unwrap()["case_toml"], CASE);
    // The edit: parameters before and after.
    assert_eq!(
        plan_rows[1].before.as_ref().unwrap()["parameters"],
        serde_json::json!({})
    );
    assert_eq!(
        plan_rows[1].after.as_ref().unwrap()["parameters"]["injections"]["R"]["tnr"]["T1"],
        3.1
    );
    // The approval: state and approver; the delivery: the treatment.
    assert_eq!(plan_rows[3].before.as_ref().unwrap()["state"], "checked");
    assert_eq!(plan_rows[3].after.as_ref().unwrap()["state"], "approved");
    assert_eq!(
        plan_rows[3].after.as_ref().unwrap()["approved_by"],
        "dr.house"
    );
    assert_eq!(
        plan_rows[4].after.as_ref().unwrap()["delivery_records"][0]["delivered_activity_gbq"],
        1.83
    );
    assert_eq!(delivered.state, PlanState::Delivered);
    assert_eq!(store.treatments_of_case(case.id).await.unwrap().len(), 1);

    for (entity, id, action) in [
        ("patient", patient.id, "patient.create"),
        ("study", study.id, "study.create"),
        ("follow_up", fu.id, "follow_up.create"),
        ("toxicity", tox.id, "toxicity.create"),
        ("document", doc.id, "document.create"),
    ] {
        let rows = audit_of(&store, entity, id).await;
        assert_eq!(rows.len(), 1, "{entity}");
        assert_eq!(rows[0].action, action);
        assert!(rows[0].before.is_none() && rows[0].after.is_some());
    }
    let case_rows = audit_of(&store, "case", case.id).await;
    assert_eq!(case_rows.len(), 2);
    assert_eq!(
        case_rows[1].before.as_ref().unwrap()["title"],
        "Bilobar NET"
    );
    assert_eq!(
        case_rows[1].after.as_ref().unwrap()["title"],
        updated_case.title
    );
    assert_eq!(store.documents(case.id).await.unwrap().len(), 1);
    assert_eq!(
        store.document_content(doc.id).await.unwrap().unwrap(),
        b"<p>report</p>"
    );

    // Every change so far has exactly one row: 3 users, patient, case, plan create, study,
    // edit, check, approve, deliver, follow-up, toxicity, document, case update.
    let all = store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 15);
    store.close().await;
}

both!(approval_records_the_sha256_of_the_exact_inputs);
async fn approval_records_the_sha256_of_the_exact_inputs(url: &str) {
    let store = open(url).await;
    let (dr, ph, _) = staff(&store).await;
    let params = r#"{"k":"nuclear-data"}"#;
    let (_, case, _) = draft(&store, &dr, "H-1").await;
    let plan = store
        .create_plan(&ph, case.id, &inputs(params))
        .await
        .unwrap();
    assert_eq!(plan.version, 2);
    let plan = store
        .check_plan(&ph, plan.id, plan.row_version)
        .await
        .unwrap();
    let plan = harness::approve(&store, &dr, plan.id, plan.row_version)
        .await
        .unwrap();
    assert_eq!(plan.approved_by.as_deref(), Some("dr.house"));
    assert!(plan.approved_at.is_some());
    // The peer: Python's hashlib over the same bytes (case file, NUL, parameters JSON).
    let dir = harness::temp_dir("sha");
    std::fs::write(dir.join("case.toml"), CASE).unwrap();
    std::fs::write(dir.join("params.json"), params).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import hashlib,sys; d=sys.argv[1]; \
             print(hashlib.sha256(open(d+'/case.toml','rb').read()+b'\\0'+open(d+'/params.json','rb').read()).hexdigest())",
        )
        .arg(&dir)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let expected = String::from_utf8(o.stdout).unwrap();
            assert_eq!(plan.inputs_sha256.as_deref(), Some(expected.trim()));
        }
        _ => eprintln!("note: python3 not available, inputs hash not compared with hashlib"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    store.close().await;
}

both!(illegal_transitions_and_roles_are_refused);
async fn illegal_transitions_and_roles_are_refused(url: &str) {
    let store = open(url).await;
    let (dr, ph, tech) = staff(&store).await;
    let (_, _, plan) = draft(&store, &dr, "I-1").await;
    let viewer = user_actor(999, "v", Role::Viewer);
    // Approve a draft: the physician may approve, but only a checked plan.
    let e = harness::approve(&store, &dr, plan.id, 1).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "plan {}: cannot approve a plan in state draft; approve needs a checked plan",
            plan.id
        )
    );
    // Deliver a draft.
    assert!(matches!(
        store
            .deliver_plan(&tech, plan.id, 1, &delivery_of_r())
            .await,
        Err(StoreError::IllegalTransition {
            action: "deliver",
            state: PlanState::Draft,
            ..
        })
    ));
    // Roles: only a physicist checks, only a physician approves.
    for a in [&dr, &tech, &viewer] {
        let e = store.check_plan(a, plan.id, 1).await.unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::RoleNotAllowed {
                    action: "check",
                    ..
                }
            ),
            "{e}"
        );
    }
    let checked = store.check_plan(&ph, plan.id, 1).await.unwrap();
    for a in [&ph, &tech, &viewer] {
        let e = harness::approve(&store, a, plan.id, checked.row_version)
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "approve: needs the role physician, found {}",
                a.role.unwrap()
            )
        );
    }
    assert!(matches!(
        store.check_plan(&ph, plan.id, checked.row_version).await,
        Err(StoreError::IllegalTransition {
            action: "check",
            state: PlanState::Checked,
            ..
        })
    ));
    let e = store
        .deliver_plan(&viewer, plan.id, checked.row_version, &delivery_of_r())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::RoleNotAllowed { .. }));
    let approved = harness::approve(&store, &dr, plan.id, checked.row_version)
        .await
        .unwrap();
    // Approved: no check, no second approval.
    assert!(matches!(
        harness::approve(&store, &dr, plan.id, approved.row_version).await,
        Err(StoreError::IllegalTransition {
            state: PlanState::Approved,
            ..
        })
    ));
    // The system (no role) takes no workflow step.
    assert!(matches!(
        store
            .deliver_plan(
                &Actor::system("cli"),
                plan.id,
                approved.row_version,
                &delivery_of_r(),
            )
            .await,
        Err(StoreError::RoleNotAllowed { .. })
    ));
    // Nothing refused was written: create, check, approve.
    assert_eq!(audit_of(&store, "plan", plan.id).await.len(), 3);
    store.close().await;
}

both!(an_approved_plan_is_immutable_and_an_edit_makes_a_new_version);
async fn an_approved_plan_is_immutable_and_an_edit_makes_a_new_version(url: &str) {
    let store = open(url).await;
    let (dr, ph, tech) = staff(&store).await;
    let (_, case, plan) = draft(&store, &dr, "V-1").await;
    let plan = store.check_plan(&ph, plan.id, 1).await.unwrap();
    // An edit of a checked plan withdraws the check.
    let edit = |p: &str| PlanEdit {
        case_toml: None,
        parameters_json: p.into(),
        result_json: r#"{"changed":true}"#.into(),
    };
    let back = store
        .edit_plan(
            &ph,
            plan.id,
            plan.row_version,
            &edit(r#"{"device":"sir-spheres"}"#),
        )
        .await
        .unwrap();
    let EditOutcome::Updated(back) = back else {
        panic!("in place")
    };
    assert_eq!(back.state, PlanState::Draft);
    assert_eq!(back.checked_by, None);
    let plan = store
        .check_plan(&ph, plan.id, back.row_version)
        .await
        .unwrap();
    let approved = harness::approve(&store, &dr, plan.id, plan.row_version)
        .await
        .unwrap();

    let out = store
        .edit_plan(
            &ph,
            approved.id,
            approved.row_version,
            &edit(r#"{"k":"nuclear-data"}"#),
        )
        .await
        .unwrap();
    let EditOutcome::NewVersion(v2) = out else {
        panic!("a new version")
    };
    assert_eq!(v2.version, 2);
    assert_eq!(v2.based_on, Some(approved.id));
    assert_eq!(v2.state, PlanState::Draft);
    assert_eq!(v2.case_toml, approved.case_toml, "the case file is copied");
    assert_eq!(v2.parameters_json, r#"{"k":"nuclear-data"}"#);
    // The approved plan is unchanged, to the byte.
    assert_eq!(store.plan(approved.id).await.unwrap(), approved);
    // Delivered plans too.
    let delivered = store
        .deliver_plan(&tech, approved.id, approved.row_version, &delivery_of_r())
        .await
        .unwrap()
        .0;
    let out = store
        .edit_plan(&dr, delivered.id, delivered.row_version, &edit("{}"))
        .await
        .unwrap();
    assert!(matches!(out, EditOutcome::NewVersion(ref p) if p.version == 3));
    assert_eq!(store.plan(delivered.id).await.unwrap(), delivered);
    let versions: Vec<i64> = store
        .plans_of_case(case.id)
        .await
        .unwrap()
        .iter()
        .map(|p| p.version)
        .collect();
    assert_eq!(versions, [1, 2, 3]);
    store.close().await;
}

both!(a_stale_row_version_is_a_conflict_naming_who_and_when);
async fn a_stale_row_version_is_a_conflict_naming_who_and_when(url: &str) {
    let store = open(url).await;
    let (dr, ph, _) = staff(&store).await;
    let (_, case, plan) = draft(&store, &dr, "C-1").await;
    let edit = PlanEdit {
        case_toml: None,
        parameters_json: r#"{"device":"therasphere"}"#.into(),
        result_json: "{}".into(),
    };
    let first = store.edit_plan(&ph, plan.id, 1, &edit).await.unwrap();
    let e = store.edit_plan(&dr, plan.id, 1, &edit).await.unwrap_err();
    let StoreError::Conflict {
        read,
        current,
        ref changed_by,
        ref changed_at,
        ..
    } = e
    else {
        panic!("conflict expected, got {e}")
    };
    assert_eq!((read, current), (1, 2));
    assert_eq!(changed_by, "phys.curie");
    assert_eq!(changed_at, &first.plan().updated_at);
    assert_eq!(
        e.to_string(),
        format!(
            "plan {} was changed by phys.curie at {} (row version 2; your change was based on 1): reload it and apply your change again",
            plan.id, changed_at
        )
    );
    // Workflow steps and case updates carry the row version too.
    assert!(matches!(
        store.check_plan(&ph, plan.id, 1).await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .update_case(&dr, case.id, 1, "t2", "NET")
        .await
        .unwrap();
    assert!(matches!(
        store.update_case(&ph, case.id, 1, "t3", "NET").await,
        Err(StoreError::Conflict { entity: "case", changed_by, .. }) if changed_by == "dr.house"
    ));
    store.close().await;
}

both!(of_two_concurrent_approvals_exactly_one_wins);
async fn of_two_concurrent_approvals_exactly_one_wins(url: &str) {
    let store = open(url).await;
    let (dr, ph, _) = staff(&store).await;
    let dr2 = Actor::user(
        &store
            .create_user(
                &Actor::system("test"),
                &NewUser {
                    username: "dr.wilson".into(),
                    display_name: "Wilson".into(),
                    role: Role::Physician,
                    password_hash: "$x".into(),
                },
            )
            .await
            .unwrap(),
    );
    for round in 0..8 {
        let (_, _, plan) = draft(&store, &dr, &format!("R-{round}")).await;
        let plan = store.check_plan(&ph, plan.id, 1).await.unwrap();
        let (s1, s2) = (store.clone(), store.clone());
        let (a1, a2) = (dr.clone(), dr2.clone());
        let (id, rv) = (plan.id, plan.row_version);
        let t1 = tokio::spawn(async move { harness::approve(&s1, &a1, id, rv).await });
        let t2 = tokio::spawn(async move { harness::approve(&s2, &a2, id, rv).await });
        let (r1, r2) = (t1.await.unwrap(), t2.await.unwrap());
        let (won, lost) = match (r1, r2) {
            (Ok(p), Err(e)) | (Err(e), Ok(p)) => (p, e),
            (a, b) => panic!("round {round}: expected one winner, got {a:?} and {b:?}"),
        };
        let StoreError::Conflict { changed_by, .. } = &lost else {
            panic!("the loser gets a conflict, got {lost}")
        };
        assert_eq!(changed_by, won.approved_by.as_ref().unwrap());
        assert_eq!(
            audit_of(&store, "plan", id)
                .await
                .iter()
                .filter(|r| r.action == "plan.approve")
                .count(),
            1
        );
    }
    store.close().await;
}

/// Makes every audit insert of `action` fail inside the database (a trigger), so that the
/// failure happens after the change's own statements ran in the same transaction.
async fn inject_audit_failure(url: &str, action: &str) {
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let sql = if url.starts_with("sqlite") {
        format!(
            "CREATE TRIGGER inject BEFORE INSERT ON audit_log WHEN NEW.action = '{action}' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        )
    } else {
        format!(
            "CREATE FUNCTION inject() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.action = '{action}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END; $$; \
             CREATE TRIGGER inject BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION inject();"
        )
    };
    sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

both!(a_failure_inside_a_transaction_leaves_nothing);
async fn a_failure_inside_a_transaction_leaves_nothing(url: &str) {
    let store = open(url).await;
    let (dr, ph, _) = staff(&store).await;
    let (_, _, plan) = draft(&store, &dr, "F-1").await;
    inject_audit_failure(url, "plan.edit").await;
    let e = store
        .edit_plan(
            &ph,
            plan.id,
            1,
            &PlanEdit {
                case_toml: Some("changed".into()),
                parameters_json: r#"{"k":"x"}"#.into(),
                result_json: "{}".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Database(m) if m.to_string().contains("injected failure")),
        "{e:?}"
    );
    // The driver's text is the source, not repeated in the message.
    assert_eq!(e.to_string(), "database error");
    assert!(
        std::error::Error::source(&e).is_some_and(|c| c.to_string().contains("injected failure"))
    );
    assert_eq!(
        store.plan(plan.id).await.unwrap(),
        plan,
        "the plan update was rolled back"
    );
    assert_eq!(audit_of(&store, "plan", plan.id).await.len(), 1);

    // A multi-record import fails at its last step (the plan's audit row): no patient, no case.
    inject_audit_failure_second(url).await;
    let before = store.search_patients("", 500).await.unwrap().len();
    let e = store
        .import_case(
            &dr,
            &NewPatient {
                mrn: "F-2".into(),
                name: "New".into(),
                ..Default::default()
            },
            &NewCase {
                patient_id: 0,
                title: "t".into(),
                indication: "HCC".into(),
            },
            &inputs("{}"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Database(_)));
    assert_eq!(store.search_patients("", 500).await.unwrap().len(), before);
    assert!(store.search_patients("F-2", 10).await.unwrap().is_empty());
    store.close().await;
}

async fn inject_audit_failure_second(url: &str) {
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    let sql = if url.starts_with("sqlite") {
        "CREATE TRIGGER inject2 BEFORE INSERT ON audit_log WHEN NEW.action = 'plan.create' \
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
    } else {
        "CREATE FUNCTION inject2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF NEW.action = 'plan.create' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END; $$; \
         CREATE TRIGGER inject2 BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION inject2();"
    };
    sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

both!(the_audit_log_is_append_only);
async fn the_audit_log_is_append_only(url: &str) {
    let store = open(url).await;
    staff(&store).await;
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    for sql in [
        "UPDATE audit_log SET username = 'x'",
        "DELETE FROM audit_log",
    ] {
        let e = sqlx::raw_sql(sql).execute(&mut c).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
    c.close().await.unwrap();
    assert_eq!(store.audit(&AuditQuery::default()).await.unwrap().len(), 3);
    store.close().await;
}

both!(over_long_and_invalid_fields_are_refused_with_a_clear_error);
async fn over_long_and_invalid_fields_are_refused_with_a_clear_error(url: &str) {
    let store = open(url).await;
    let sys = Actor::system("test");
    let long = "x".repeat(201);
    let e = store
        .create_patient(
            &sys,
            &NewPatient {
                mrn: "L-1".into(),
                name: long.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "field `name`: expected at most 200 characters, found 201"
    );
    // Characters, not bytes: 200 × "é" fits.
    store
        .create_patient(
            &sys,
            &NewPatient {
                mrn: "L-2".into(),
                name: "é".repeat(200),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let e = store
        .create_user(
            &sys,
            &NewUser {
                username: "u".repeat(65),
                display_name: "x".into(),
                role: Role::Viewer,
                password_hash: "$x".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        StoreError::TooLong {
            field: "username",
            max: 64,
            found: 65
        }
    ));
    let e = store
        .create_user(
            &sys,
            &NewUser {
                username: "a b".into(),
                display_name: "x".into(),
                role: Role::Viewer,
                password_hash: "$x".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "field `username`: expected letters, digits, `.`, `_` or `-`, found ` `"
    );
    let big = PlanInputs {
        case_toml: "#".repeat(limits::CASE_TOML + 1),
        parameters_json: "{}".into(),
        result_json: "{}".into(),
    };
    let e = store
        .import_case(
            &sys,
            &NewPatient {
                mrn: "L-3".into(),
                name: "n".into(),
                ..Default::default()
            },
            &NewCase {
                patient_id: 0,
                title: "t".into(),
                indication: "NET".into(),
            },
            &big,
        )
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        StoreError::TooLong {
            field: "case_toml",
            ..
        }
    ));
    let e = store
        .create_patient(
            &sys,
            &NewPatient {
                mrn: "L-4".into(),
                name: "n".into(),
                birth_date: Some("1.4.1972".into()),
                sex: None,
                pseudonym: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "field `birth_date`: expected a date YYYY-MM-DD, found `1.4.1972`"
    );
    let e = store
        .create_patient(
            &sys,
            &NewPatient {
                mrn: "L-2".into(),
                name: "again".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "patient with mrn `L-2` already exists");
    assert_eq!(store.search_patients("", 100).await.unwrap().len(), 1);
    store.close().await;
}

both!(sessions_login_attempts_and_search);
async fn sessions_login_attempts_and_search(url: &str) {
    let store = open(url).await;
    let (dr, _, _) = staff(&store).await;
    let user = store.user(dr.user_id.unwrap()).await.unwrap();
    let s = store
        .create_session(
            &user,
            &NewSession {
                id_hash: "h1".into(),
                csrf_token: "c1".into(),
                expires_at: "2099-01-01T00:00:00.000Z".into(),
                ip: "127.0.0.1".into(),
            },
        )
        .await
        .unwrap();
    let (got, u) = store.session("h1").await.unwrap().unwrap();
    assert_eq!((got, u.username.as_str()), (s, "dr.house"));
    assert!(store.session("h2").await.unwrap().is_none());
    store
        .record_login_failure("dr.house", "10.0.0.1", "wrong password")
        .await
        .unwrap();
    let tries = store
        .login_attempts("dr.house", "10.0.0.1", "2000-01-01T00:00:00.000Z")
        .await
        .unwrap();
    assert_eq!(tries.len(), 1);
    assert!(!tries[0].succeeded);
    // Disabling the account ends its sessions.
    store
        .set_user_disabled(&Actor::system("test"), user.id, true)
        .await
        .unwrap();
    assert!(store.session("h1").await.unwrap().is_none());
    assert!(
        store
            .credentials("dr.house")
            .await
            .unwrap()
            .unwrap()
            .user
            .disabled
    );
    // Search: case-insensitive on MRN and name; `%` and `_` are literal.
    let sys = Actor::system("test");
    for (mrn, name) in [
        ("S-1", "Müller, Anna"),
        ("S-2", "100% Smith"),
        ("S_3", "Jones"),
    ] {
        store
            .create_patient(
                &sys,
                &NewPatient {
                    mrn: mrn.into(),
                    name: name.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let names = |v: Vec<Patient>| v.into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.search_patients("smith", 10).await.unwrap()),
        ["100% Smith"]
    );
    assert_eq!(
        names(store.search_patients("%", 10).await.unwrap()),
        ["100% Smith"]
    );
    assert_eq!(
        names(store.search_patients("_", 10).await.unwrap()),
        ["Jones"]
    );
    assert_eq!(store.search_patients("s-", 10).await.unwrap().len(), 2);
    store.close().await;
}

both!(an_uploaded_study_is_written_with_its_series_or_not_at_all);
async fn an_uploaded_study_is_written_with_its_series_or_not_at_all(url: &str) {
    let store = open(url).await;
    let (_, _, tech) = staff(&store).await;
    let p = store
        .create_patient(
            &tech,
            &NewPatient {
                mrn: "U-1".into(),
                name: "Upload".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let new = NewStudy {
        patient_id: p.id,
        modality: "CT+NM".into(),
        description: Some("work-up".into()),
        study_date: Some("2025-01-15".into()),
        source: None,
    };
    let series = vec![
        NewSeries {
            folder: "CT-2".into(),
            format: "dicom".into(),
            modality: "CT".into(),
            series_number: Some(2),
            frame_of_reference_uid: Some("1.2.3".into()),
            images: 60,
            dims: Some([88, 64, 60]),
            // Not exactly representable in binary: read back bit for bit.
            spacing_mm: Some([0.7421875, 0.1 + 0.2, 2.5]),
            ..Default::default()
        },
        NewSeries {
            folder: "RTSTRUCT-9".into(),
            format: "dicom".into(),
            modality: "RTSTRUCT".into(),
            images: 1,
            ..Default::default()
        },
    ];
    let audit_before = store.audit(&AuditQuery::default()).await.unwrap().len();

    // The caller's placing fails: nothing stays.
    let e = store
        .add_study_with_series(&tech, &new, &series, |_| {
            Err::<String, StoreError>(StoreError::Invalid {
                field: "files",
                expected: "placed".into(),
                found: "an error".into(),
            })
        })
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid { field: "files", .. }),
        "{e}"
    );
    assert!(store.studies(p.id).await.unwrap().is_empty());
    assert!(store.series_of_patient(p.id).await.unwrap().is_empty());
    assert_eq!(
        store.audit(&AuditQuery::default()).await.unwrap().len(),
        audit_before
    );

    // An invalid series is refused before anything is placed.
    let mut bad = series.clone();
    bad[1].format = "png".into();
    let mut called = false;
    let e = store
        .add_study_with_series(&tech, &new, &bad, |_| -> Result<String, StoreError> {
            called = true;
            Ok(String::new())
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Invalid {
                field: "series.format",
                ..
            }
        ),
        "{e}"
    );
    assert!(!called);

    // Placed: the study with its source, its series, one audit row.
    let mut placed_id = None;
    let (study, stored) = store
        .add_study_with_series(&tech, &new, &series, |id| -> Result<String, StoreError> {
            placed_id = Some(id);
            Ok(format!("studies/{id}"))
        })
        .await
        .unwrap();
    assert_eq!(placed_id, Some(study.id));
    assert_eq!(
        study.source.as_deref(),
        Some(format!("studies/{}", study.id).as_str())
    );
    assert_eq!(store.study(study.id).await.unwrap(), study);
    assert_eq!(store.studies(p.id).await.unwrap(), vec![study.clone()]);
    let read = store.study_series(study.id).await.unwrap();
    assert_eq!(read, stored);
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].folder, "CT-2");
    assert_eq!(read[0].dims, Some([88, 64, 60]));
    assert_eq!(read[0].spacing_mm, Some([0.7421875, 0.1 + 0.2, 2.5]));
    assert_eq!(read[1].dims, None);
    assert_eq!(read[1].spacing_mm, None);
    assert_eq!(store.series_of_patient(p.id).await.unwrap(), read);
    let audit = audit_of(&store, "study", study.id).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "study.upload");
    assert_eq!(
        audit[0].after.as_ref().unwrap()["series"][0]["folder"],
        "CT-2"
    );
    assert!(matches!(
        store.study(study.id + 1000).await.unwrap_err(),
        StoreError::NotFound {
            entity: "study",
            ..
        }
    ));
    store.close().await;
}

both!(an_approval_without_the_frozen_report_is_refused);
async fn an_approval_without_the_frozen_report_is_refused(url: &str) {
    let store = open(url).await;
    let (dr, ph, _) = staff(&store).await;
    let (_, _, plan) = draft(&store, &dr, "F-1").await;
    let checked = store.check_plan(&ph, plan.id, 1).await.unwrap();
    let e = store
        .sign_plan(
            &dr,
            "Dr House",
            plan.id,
            checked.row_version,
            SignedStep::Approve,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "field `frozen`: expected the report frozen at approval (rendered with its approval hash), found none for the approval of plan {}",
            plan.id
        )
    );
    // Nothing written: still checked, no signature, no frozen record.
    let p = store.plan(plan.id).await.unwrap();
    assert_eq!(p.state, PlanState::Checked);
    assert_eq!(p.row_version, checked.row_version);
    assert!(store.signatures(plan.id).await.unwrap().is_empty());
    assert!(store.frozen(plan.id).await.unwrap().is_none());
    // With it, approved, the frozen report stored with its SHA-256.
    let approved = harness::approve(&store, &dr, plan.id, checked.row_version)
        .await
        .unwrap();
    assert_eq!(approved.state, PlanState::Approved);
    let f = store.frozen(plan.id).await.unwrap().unwrap();
    assert_eq!(f.report_html, harness::test_frozen(plan.id).report_html);
    store.close().await;
}

both!(each_recording_stores_its_delivery_addendum);
async fn each_recording_stores_its_delivery_addendum(url: &str) {
    let store = open(url).await;
    let (dr, ph, tech) = staff(&store).await;
    let (_, _, plan) = draft(&store, &dr, "D-1").await;
    let checked = store.check_plan(&ph, plan.id, 1).await.unwrap();
    let approved = harness::approve(&store, &dr, plan.id, checked.row_version)
        .await
        .unwrap();
    assert!(store.delivery_addenda(plan.id).await.unwrap().is_empty());
    // A blank addendum or an instant not as stored is refused, nothing written.
    let mut bad = delivery_of_r();
    bad.addendum.rendered_at = "2026-03-05 10:00".into();
    let e = store
        .deliver_plan(&tech, plan.id, approved.row_version, &bad)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("field `addendum.rendered_at`: expected an instant as stored"),
        "{e}"
    );
    assert!(store.deliveries(plan.id).await.unwrap().records.is_empty());
    let d = delivery_of_r();
    let (after, recorded) = store
        .deliver_plan(&tech, plan.id, approved.row_version, &d)
        .await
        .unwrap();
    // The recording's instant is the addendum's.
    assert_eq!(recorded.records[0].recorded_at, d.addendum.rendered_at);
    let mut fix = delivery_of_r();
    fix.records[0].correction_reason = Some("residual re-measured".into());
    fix.addendum = harness::test_addendum("correction");
    store
        .deliver_plan(&tech, plan.id, after.row_version, &fix)
        .await
        .unwrap();
    let list = store.delivery_addenda(plan.id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!((list[0].seq, list[1].seq), (1, 2));
    assert_eq!(list[0].session_id, "1");
    assert_eq!(list[0].created_by, "tech.bob");
    assert_eq!(list[0].created_at, d.addendum.rendered_at);
    assert_eq!(list[0].engine_id, "test engine");
    let (meta, html) = store.delivery_addendum(plan.id, 2).await.unwrap().unwrap();
    assert_eq!(html, fix.addendum.report_html);
    assert_eq!(
        meta.report_html_sha256,
        sha256_hex(&fix.addendum.report_html)
    );
    assert_eq!(meta.report_html_sha256.len(), 64);
    assert!(store.delivery_addendum(plan.id, 3).await.unwrap().is_none());
    // Audited with the recording.
    let audit = store
        .audit(&AuditQuery {
            entity: Some("plan".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let correction = audit
        .iter()
        .find(|e| e.action == "plan.correct_delivery")
        .unwrap();
    let after = correction.after.as_ref().unwrap();
    assert_eq!(after["delivery_addendum"]["seq"], 2);
    store.close().await;
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

both!(the_signed_record_is_append_only);
async fn the_signed_record_is_append_only(url: &str) {
    let store = open(url).await;
    let (dr, ph, tech) = staff(&store).await;
    let (_, _, plan) = draft(&store, &dr, "S-1").await;
    let checked = store
        .sign_plan(&ph, "Phys Curie", plan.id, 1, SignedStep::Check, None)
        .await
        .unwrap();
    let approved = harness::approve(&store, &dr, plan.id, checked.row_version)
        .await
        .unwrap();
    store
        .deliver_plan(&tech, plan.id, approved.row_version, &delivery_of_r())
        .await
        .unwrap();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    for table in [
        "plan_signatures",
        "plan_frozen",
        "plan_delivery_addenda",
        "plan_acknowledgements",
    ] {
        let column = match table {
            "plan_frozen" => "engine_id",
            "plan_delivery_addenda" => "engine_id",
            "plan_acknowledgements" => "reason",
            _ => "full_name",
        };
        for sql in [
            format!("UPDATE {table} SET {column} = 'x'"),
            format!("DELETE FROM {table}"),
        ] {
            match sqlx::raw_sql(&sql).execute(&mut c).await {
                Err(e) => assert!(e.to_string().contains("append-only"), "{sql}: {e}"),
                // No acknowledgement was made here: nothing to change, nothing refused.
                Ok(r) => assert_eq!(
                    (table, r.rows_affected()),
                    ("plan_acknowledgements", 0),
                    "{sql}"
                ),
            }
        }
    }
    c.close().await.unwrap();
    assert_eq!(store.signatures(plan.id).await.unwrap().len(), 2);
    let f = store.frozen(plan.id).await.unwrap().unwrap();
    assert_eq!(f.engine_id, "test engine");
    assert_eq!(store.delivery_addenda(plan.id).await.unwrap().len(), 1);
    store.close().await;
}

both!(failed_logins_are_audited_once_per_user_address_and_minute);
async fn failed_logins_are_audited_once_per_user_address_and_minute(url: &str) {
    // Two stores on one database stand for two servers auditing at once.
    let (a, b) = (open(url).await, open(url).await);
    for _ in 0..3 {
        a.record_login_failure("dr.house", "10.0.0.1", "wrong password")
            .await
            .unwrap();
    }
    a.record_login_failure("dr.house", "10.0.0.1", "account disabled")
        .await
        .unwrap();
    for _ in 0..2 {
        b.record_login_failure("nobody", "10.0.0.2", "unknown username")
            .await
            .unwrap();
    }
    // Nothing before the failures' instant.
    assert_eq!(
        a.audit_failed_logins("2000-01-01T00:00:00.000Z")
            .await
            .unwrap(),
        0
    );
    let far = "9999-12-31T00:00:00.000Z";
    let (n, m) = tokio::join!(a.audit_failed_logins(far), b.audit_failed_logins(far));
    let written = n.unwrap() + m.unwrap();
    let rows = a
        .audit(&AuditQuery {
            entity: Some("login".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), written);
    // One row per (user, address, minute): two, or three when the writes straddled a minute.
    assert!((2..=3).contains(&rows.len()), "{rows:?}");
    let total = |who: &str, reason: &str| -> u64 {
        rows.iter()
            .filter(|r| r.entity_id == who)
            .map(|r| {
                r.after.as_ref().unwrap()["reasons"][reason]
                    .as_u64()
                    .unwrap_or(0)
            })
            .sum()
    };
    assert_eq!(total("dr.house", "wrong password"), 3);
    assert_eq!(total("dr.house", "account disabled"), 1);
    assert_eq!(total("nobody", "unknown username"), 2);
    for r in &rows {
        assert_eq!(r.action, "login.failed");
        let after = r.after.as_ref().unwrap();
        assert!(after["first_at"].as_str().unwrap() <= after["last_at"].as_str().unwrap());
        assert!(
            after["last_at"]
                .as_str()
                .unwrap()
                .starts_with(after["minute"].as_str().unwrap().trim_end_matches('Z'))
        );
    }
    // Audited once: again writes nothing; the limits still count the attempts until pruned.
    assert_eq!(a.audit_failed_logins(far).await.unwrap(), 0);
    assert_eq!(
        a.login_failures_of("dr.house", "2000-01-01T00:00:00.000Z")
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        a.login_failures_from("10.0.0.2", "2000-01-01T00:00:00.000Z")
            .await
            .unwrap(),
        2
    );
    // Pruning removes audited failures older than the cut; unaudited ones never.
    b.record_login_failure("late", "10.0.0.3", "unknown username")
        .await
        .unwrap();
    a.prune(far, far, "2000-01-01T00:00:00.000Z").await.unwrap();
    assert_eq!(
        a.login_failures_of("dr.house", "2000-01-01T00:00:00.000Z")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        a.login_failures_of("late", "2000-01-01T00:00:00.000Z")
            .await
            .unwrap(),
        1,
        "not yet audited: kept"
    );
    a.close().await;
    b.close().await;
}
