//! Import from PACS and Send to PACS through the API against a real Orthanc 1.10 with its
//! DICOMweb plugin, started in a private network namespace (`sirt_pacs::testing`, as the
//! sirt-pacs tests), on SQLite and PostgreSQL (`both!`).
//!
//! The digital phantom's DICOM files (standard preset, seed 1) are stored in Orthanc by STOW-RS
//! (sirt-pacs, not the server). An admin adds Orthanc twice (DICOMweb and DIMSE) and tests both.
//! A physician's search by Patient ID lists the series Orthanc's own REST API lists, with their
//! modalities and instance counts (the truth); the CT and the MAA SPECT retrieved over DICOMweb,
//! the PET over DIMSE (C-GET), become studies of the patient whose series carry Orthanc's
//! Series Instance UIDs and counts, and which the case's planning workbench offers. A node
//! where nothing listens fails the retrieve naming the node, and nothing is stored. Then the
//! demo phantom's plan, checked and approved, is sent: Orthanc lists its RTDOSE, SEG, RTSTRUCT
//! (and DOC when Chromium printed the report at approval) series afterwards, and the audit log
//! records who sent what to which node.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::too_many_lines
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::{Resp, Session, T};
use serde_json::{Value, json};
use sirt_pacs::testing::{self, Namespace, Orthanc, TempDir};
use sirt_store::{AuditQuery, Role};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The phantom's DICOM Patient ID (sirt_planning::phantom_dicom, seed 1).
const PATIENT_ID: &str = "SIRT-PHANTOM-1";

/// Whether this process runs the test's body (see sirt-pacs' tests/common `run_here`).
fn run_here(name: &str) -> bool {
    if let Some(missing) = testing::peers_missing(&[]) {
        assert!(!testing::peers_required(), "{missing}");
        eprintln!("skipped {name}: {missing}");
        return false;
    }
    match testing::private_network(name).expect("network namespace") {
        Namespace::Inside => true,
        Namespace::Ran { success, output } => {
            println!("{output}");
            assert!(
                success,
                "{name} failed inside its network namespace:\n{output}"
            );
            assert!(
                output.contains("1 passed"),
                "{name} did not run inside:\n{output}"
            );
            false
        }
    }
}

/// Orthanc's own listing of its series: Series Instance UID → (modality, instances).
fn orthanc_series(o: &Orthanc) -> BTreeMap<String, (String, usize)> {
    let v: Value = serde_json::from_str(&o.rest("/series?expand").unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let tags = &s["MainDicomTags"];
            (
                tags["SeriesInstanceUID"].as_str().unwrap().to_owned(),
                (
                    tags["Modality"].as_str().unwrap_or("").to_owned(),
                    s["Instances"].as_array().unwrap().len(),
                ),
            )
        })
        .collect()
}

async fn call(t: &T, s: &Session, m: Method, path: &str, body: Option<Value>) -> Resp {
    t.call(Some(s), m, path, body).await
}

/// Adds a node; its id.
async fn add_node(t: &T, admin: &Session, body: Value) -> i64 {
    let r = call(t, admin, Method::POST, "/api/pacs/nodes", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

/// Starts a retrieve and waits for its end (at most 2 minutes); its last state.
async fn retrieve(
    t: &T,
    s: &Session,
    patient: i64,
    node: i64,
    study: &str,
    series: &[&str],
) -> Resp {
    let r = call(
        t,
        s,
        Method::POST,
        &format!("/api/patients/{patient}/pacs/retrievals"),
        Some(json!({"node_id": node, "study_uid": study, "series_uids": series})),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let at = r.headers["location"].to_str().unwrap().to_owned();
    let started = Instant::now();
    loop {
        let r = call(t, s, Method::GET, &at, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if matches!(r.json["state"].as_str(), Some("done" | "failed")) {
            return r;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{}", r.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn test_name(url: &str) -> String {
    let db = if url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    format!("import_and_send_with_orthanc::{db}")
}

both!(import_and_send_with_orthanc);
async fn import_and_send_with_orthanc(url: &str) {
    if !run_here(&test_name(url)) {
        return;
    }
    let orthanc = Orthanc::start().unwrap();
    // The phantom's files, stored in Orthanc by STOW-RS.
    let src = TempDir::new("server-phantom").unwrap();
    for (name, bytes) in sirt_planning::phantom_dicom::files(common::phantom()).unwrap() {
        let p = src.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let (send, _) = sirt_pacs::transfer::outgoing(&[src.path().to_owned()]).unwrap();
    let web = sirt_pacs::web::WebClient::new(
        sirt_pacs::WebNode::parse(&orthanc.dicomweb_url()).unwrap(),
        sirt_pacs::Timeouts::default(),
    );
    let pushed = web.push(&send, &mut |_| {}).await.unwrap();
    assert!(pushed.refused.is_empty(), "{:?}", pushed.refused);
    let truth = orthanc_series(&orthanc);
    assert!(truth.len() >= 5, "{truth:?}");

    let t = T::new(url).await;
    let admin = t.login(Role::Admin).await;
    let dr = t.login(Role::Physician).await;
    let web_node = add_node(
        &t,
        &admin,
        json!({"name": "Orthanc web", "protocol": "dicomweb", "url": orthanc.dicomweb_url()}),
    )
    .await;
    let dimse_node = add_node(
        &t,
        &admin,
        json!({"name": "Orthanc DIMSE", "protocol": "dimse", "called_aet": "ORTHANC",
               "host": "127.0.0.1", "port": orthanc.dicom_port}),
    )
    .await;
    for (id, exchange) in [(web_node, "QIDO-RS"), (dimse_node, "C-ECHO")] {
        let r = call(
            &t,
            &admin,
            Method::POST,
            &format!("/api/pacs/nodes/{id}/test"),
            Some(json!({})),
        )
        .await;
        assert_eq!(
            (r.status, r.json["exchange"].as_str()),
            (StatusCode::OK, Some(exchange)),
            "{}",
            r.text
        );
    }

    // The patient, and the search: the series Orthanc lists, with modalities and counts.
    let r = call(
        &t,
        &dr,
        Method::POST,
        "/api/patients",
        Some(json!({"mrn": PATIENT_ID, "name": "Phantom"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let patient = r.json["id"].as_i64().unwrap();
    let r = call(
        &t,
        &dr,
        Method::GET,
        &format!("/api/patients/{patient}/pacs/studies?node={web_node}&patient_id={PATIENT_ID}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["node"], "Orthanc web");
    let studies = r.json["studies"].as_array().unwrap();
    assert_eq!(studies.len(), 1, "{}", r.text);
    let study_uid = studies[0]["study_uid"].as_str().unwrap().to_owned();
    let found: BTreeMap<String, (String, usize)> = studies[0]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["series_uid"].as_str().unwrap().to_owned(),
                (
                    s["modality"].as_str().unwrap().to_owned(),
                    usize::try_from(s["instances"].as_u64().unwrap()).unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(found, truth);
    // The same over DIMSE (C-FIND), restricted to one modality.
    let r = call(
        &t,
        &dr,
        Method::GET,
        &format!("/api/patients/{patient}/pacs/studies?node={dimse_node}&patient_id={PATIENT_ID}&modality=NM"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let nm: Vec<&str> = r.json["studies"][0]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["modality"].as_str().unwrap())
        .collect();
    assert_eq!(nm, ["NM"]);
    // By name (a wild card) and study date (the phantom's study is of 2025-01-15), both protocols:
    // the study inside the range, none after it.
    for node in [web_node, dimse_node] {
        for (q, n) in [
            ("name=Phantom*&date_from=2025-01-01&date_to=2025-01-31", 1),
            ("name=Phantom*&date_from=2025-02-01", 0),
            ("name=Nobody*", 0),
        ] {
            let path = format!("/api/patients/{patient}/pacs/studies?node={node}&{q}");
            let r = call(&t, &dr, Method::GET, &path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(
                r.json["studies"].as_array().unwrap().len(),
                n,
                "{path}: {}",
                r.text
            );
        }
    }
    // A search without a key naming the patient or study: refused.
    let r = call(
        &t,
        &dr,
        Method::GET,
        &format!("/api/patients/{patient}/pacs/studies?node={web_node}&modality=CT"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // Retrieve CT and NM over DICOMweb, PT over DIMSE.
    let uid_of = |m: &str| {
        truth
            .iter()
            .find(|(_, (x, _))| x == m)
            .map(|(u, _)| u.clone())
            .unwrap()
    };
    let (ct, spect, pet) = (uid_of("CT"), uid_of("NM"), uid_of("PT"));
    let done = retrieve(&t, &dr, patient, web_node, &study_uid, &[&ct, &spect]).await;
    assert_eq!(done.json["state"], "done", "{}", done.text);
    assert_eq!(
        done.json["instances"].as_u64().unwrap() as usize,
        truth[&ct].1 + truth[&spect].1
    );
    let done = retrieve(&t, &dr, patient, dimse_node, &study_uid, &[&pet]).await;
    assert_eq!(done.json["state"], "done", "{}", done.text);
    let r = call(
        &t,
        &dr,
        Method::GET,
        &format!("/api/patients/{patient}"),
        None,
    )
    .await;
    let stored: BTreeMap<String, (String, usize)> = r.json["studies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|st| st["series"].as_array().unwrap().clone())
        .map(|s| {
            (
                s["series_instance_uid"].as_str().unwrap().to_owned(),
                (
                    s["modality"].as_str().unwrap().to_owned(),
                    usize::try_from(s["images"].as_i64().unwrap()).unwrap(),
                ),
            )
        })
        .collect();
    for uid in [&ct, &spect, &pet] {
        let (m, n) = &truth[uid];
        // A volume counts its slices (images); the phantom's NM and PET are one multi-frame
        // file or one file per slice: the count of images is the files' for CT.
        assert_eq!(&stored[uid].0, m, "{uid}");
        if m == "CT" {
            assert_eq!(stored[uid].1, *n, "CT slices");
        }
    }
    // The planning workbench offers them.
    let r = call(
        &t,
        &dr,
        Method::POST,
        &format!("/api/patients/{patient}/cases"),
        Some(json!({"title": "From PACS", "indication": "HCC"})),
    )
    .await;
    let case = r.json["id"].as_i64().unwrap();
    let w = call(
        &t,
        &dr,
        Method::GET,
        &format!("/api/cases/{case}/workbench"),
        None,
    )
    .await;
    let offered: BTreeSet<&str> = w.json["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["modality"].as_str().unwrap())
        .collect();
    assert!(
        offered.is_superset(&BTreeSet::from(["CT", "NM", "PT"])),
        "{offered:?}"
    );

    // A node where nothing listens: the retrieve fails naming it; nothing stored.
    let studies_before = r_len(&t, &dr, patient).await;
    let closed = testing::free_port().unwrap();
    let down = add_node(&t, &admin, json!({"name": "Down", "protocol": "dicomweb", "url": format!("http://127.0.0.1:{closed}/dicom-web")})).await;
    let failed = retrieve(&t, &dr, patient, down, &study_uid, &[&ct]).await;
    assert_eq!(failed.json["state"], "failed");
    assert_eq!(
        failed.json["error"]["code"], "pacs_unreachable",
        "{}",
        failed.text
    );
    assert!(
        failed.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("«Down»")
    );
    assert_eq!(r_len(&t, &dr, patient).await, studies_before);

    // Send to PACS: the demo phantom's plan, checked and approved.
    let phys = t.login(Role::Physicist).await;
    let imported = t.import_phantom(&phys).await;
    let plan = imported.json["plan"]["id"].as_i64().unwrap();
    let p = call(&t, &phys, Method::GET, &format!("/api/plans/{plan}"), None).await;
    let r = call(
        &t,
        &phys,
        Method::POST,
        &format!("/api/plans/{plan}/check"),
        Some(json!({"row_version": p.json["row_version"], "password": common::PASSWORD})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let send_path = format!("/api/plans/{plan}/pacs/send");
    let early = call(
        &t,
        &dr,
        Method::POST,
        &send_path,
        Some(json!({"node_id": web_node})),
    )
    .await;
    assert_eq!(
        (early.status, early.code()),
        (StatusCode::CONFLICT, "not_approved")
    );
    let r = call(
        &t,
        &dr,
        Method::POST,
        &format!("/api/plans/{plan}/approve"),
        Some(json!({"row_version": r.json["row_version"], "password": common::PASSWORD})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = orthanc_series(&orthanc);
    let sent = call(
        &t,
        &dr,
        Method::POST,
        &send_path,
        Some(json!({"node_id": web_node})),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let objects = sent.json["objects"].as_array().unwrap();
    assert!(objects.iter().all(|o| o["stored"] == true), "{}", sent.text);
    let after = orthanc_series(&orthanc);
    let new: BTreeSet<&str> = after
        .iter()
        .filter(|(u, _)| !before.contains_key(*u))
        .map(|(_, (m, _))| m.as_str())
        .collect();
    if !sirt_report::pdf::chromium_candidates().is_empty() {
        // Chromium printed the report at approval: it is sent as an Encapsulated PDF.
        assert_eq!(sent.json["report_sent"], true, "{}", sent.text);
    }
    let mut want = BTreeSet::from(["RTDOSE", "SEG", "RTSTRUCT"]);
    if sent.json["report_sent"] == true {
        want.insert("DOC");
    }
    assert_eq!(new, want, "{}", sent.text);
    // Over DIMSE too (C-STORE): new objects, stored.
    let sent = call(
        &t,
        &dr,
        Method::POST,
        &send_path,
        Some(json!({"node_id": dimse_node})),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert!(
        sent.json["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["stored"] == true),
        "{}",
        sent.text
    );

    // Audited: who, which node, every SOP Instance UID.
    let audit = t
        .store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let sends: Vec<_> = audit.iter().filter(|r| r.action == "pacs.send").collect();
    assert_eq!(sends.len(), 2);
    assert!(
        sends
            .iter()
            .all(|r| r.username == "dr.house" && r.entity_id == plan.to_string())
    );
    let uids: Vec<&str> = objects
        .iter()
        .map(|o| o["sop_instance_uid"].as_str().unwrap())
        .collect();
    let web_send = sends
        .iter()
        .find(|r| r.after.as_ref().unwrap()["node"] == "Orthanc web")
        .unwrap();
    let text = web_send.after.as_ref().unwrap().to_string();
    assert!(uids.iter().all(|u| text.contains(u)), "{text}");
    let retrieves = audit.iter().filter(|r| r.action == "pacs.retrieve").count();
    assert_eq!(retrieves, 3, "two stored, one failed");
}

/// How many studies the patient has.
async fn r_len(t: &T, s: &Session, patient: i64) -> usize {
    call(t, s, Method::GET, &format!("/api/patients/{patient}"), None)
        .await
        .json["studies"]
        .as_array()
        .unwrap()
        .len()
}
