//! `sirtplan pacs` and `sirtplan receive` end to end (issue 17, "PACS"): against a real Orthanc
//! with its DICOMweb plugin, started by the test in a private network namespace
//! (sirt_pacs::testing), the "Done when" — `pacs find --url URL --patient-id ID` lists
//! the series with their modalities (compared with Orthanc's own REST answer), `pacs pull`
//! writes every instance and `scan DIR` lists the series, `pacs push` of an RT Dose makes
//! Orthanc list an RTDOSE series — then the same over DIMSE, the receiver against dcmtk, and
//! the errors a person reads (snapshots).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::too_many_lines
)]

mod scratch;
use scratch::Scratch;
use serde_json::Value;
use sirt_pacs::testing::{self, Namespace, Orthanc};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const PATIENT_ID: &str = "SIRT-PHANTOM-1";

fn sirtplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("SIRTPLAN_PACS_CREDENTIALS")
        .output()
        .expect("run sirtplan")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(args: &[&str]) -> String {
    let o = sirtplan(args);
    assert!(
        o.status.success(),
        "{args:?}: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

/// UIDs (digits with at least two dots, 16 characters or more) → `<uid>`, loopback ports → `PORT`, temporary folders →
/// `<dir>`: what changes from run to run.
fn redact(s: &str, dirs: &[&Path]) -> String {
    let mut s = s.to_owned();
    for d in dirs {
        s = s.replace(&d.display().to_string(), "<dir>");
    }
    let mut out = String::new();
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        let uid = token.trim_end_matches('.');
        if uid.matches('.').count() >= 2 && uid.len() >= 16 {
            let dots = token.len() - uid.len();
            out.push_str("<uid>");
            out.push_str(&".".repeat(dots));
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    let mut result = String::new();
    let mut rest = out.as_str();
    while let Some(i) = rest.find("127.0.0.1:") {
        result.push_str(&rest[..i + 10]);
        rest = &rest[i + 10..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            result.push_str("PORT");
        }
        rest = &rest[digits..];
    }
    result.push_str(rest);
    result
}

fn phantom_dicom(dir: &Path) -> Vec<PathBuf> {
    let p = sirt_phantom::generate(sirt_phantom::Preset::Small, 1).unwrap();
    sirt_planning::phantom_dicom::files(&p)
        .unwrap()
        .into_iter()
        .map(|(rel, bytes)| {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A DICOM attribute of a file, read with dicom-rs.
fn attr(path: &Path, tag: dicom_core::Tag) -> String {
    dicom_object::open_file(path)
        .unwrap()
        .element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_owned()
}

fn orthanc_series(o: &Orthanc) -> BTreeSet<(String, String)> {
    let v: Value = serde_json::from_str(&o.rest("/series?expand").unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let t = &s["MainDicomTags"];
            (
                t["SeriesInstanceUID"].as_str().unwrap().to_owned(),
                t["Modality"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Runs the body here when inside the private network, else runs this test there (or skips).
fn run_here(name: &str) -> bool {
    if let Some(missing) = testing::peers_missing(&["echoscu", "storescu"]) {
        assert!(!testing::peers_required(), "{missing}");
        eprintln!("skipped {name}: {missing}");
        return false;
    }
    match testing::private_network(name).unwrap() {
        Namespace::Inside => true,
        Namespace::Ran { success, output } => {
            println!("{output}");
            assert!(
                success && output.contains("1 passed"),
                "{name} inside its namespace:\n{output}"
            );
            false
        }
    }
}

#[test]
fn pacs_against_orthanc() {
    if !run_here("pacs_against_orthanc") {
        return;
    }
    let orthanc = Orthanc::start().unwrap();
    let url = orthanc.dicomweb_url();
    let src = Scratch::new("sirtplan-cli-test", "pacs-src");
    let files = phantom_dicom(&src);
    std::fs::write(src.join("notes.txt"), "not DICOM").unwrap();

    ok(&["pacs", "echo", "--url", &url]);
    let pushed = ok(&["pacs", "push", "--url", &url, &src.display().to_string()]);
    insta::assert_snapshot!("pacs_push_text", redact(&pushed, &[&src]));

    // find lists every series with its modality: the series Orthanc's REST API lists.
    let found = ok(&["pacs", "find", "--url", &url, "--patient-id", PATIENT_ID]);
    insta::assert_snapshot!("pacs_find_text", redact(&found, &[]));
    let truth = orthanc_series(&orthanc);
    for (uid, modality) in &truth {
        assert!(
            found
                .lines()
                .any(|l| l.contains(uid) && l.contains(&format!("  {modality}  "))),
            "{uid} {modality} not in:\n{found}"
        );
    }
    let json: Value = serde_json::from_str(&ok(&[
        "pacs",
        "find",
        "--url",
        &url,
        "--patient-id",
        PATIENT_ID,
        "--format",
        "json",
    ]))
    .unwrap();
    let listed: BTreeSet<(String, String)> = json[0]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["series_uid"].as_str().unwrap().to_owned(),
                s["modality"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(listed, truth);
    let fr = ok(&[
        "--lang",
        "fr",
        "pacs",
        "find",
        "--url",
        &url,
        "--patient-id",
        PATIENT_ID,
        "--modality",
        "NM",
    ]);
    insta::assert_snapshot!("pacs_find_text_fr", redact(&fr, &[]));

    // pull writes every instance; scan lists the series.
    let dest = Scratch::new("sirtplan-cli-test", "pacs-pulled");
    let pulled = ok(&[
        "pacs",
        "pull",
        "--url",
        &url,
        "--patient-id",
        PATIENT_ID,
        "--out",
        &dest.display().to_string(),
    ]);
    insta::assert_snapshot!("pacs_pull_text", redact(&pulled, &[&dest]));
    let uids = |fs: &[PathBuf]| -> BTreeSet<String> {
        fs.iter()
            .map(|f| attr(f, dicom_dictionary_std::tags::SOP_INSTANCE_UID))
            .collect()
    };
    let got = files_under(&dest);
    assert_eq!(uids(&got), uids(&files));
    let scan: Value = serde_json::from_str(&ok(&[
        "scan",
        &dest.display().to_string(),
        "--format",
        "json",
    ]))
    .unwrap();
    let scanned: BTreeSet<(String, String)> = scan["studies"][0]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["series_instance_uid"].as_str().unwrap().to_owned(),
                s["modality"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(scanned, truth);

    // DIMSE: C-ECHO, and C-GET of the CT series.
    let dimse = orthanc.dimse_address();
    let echo = ok(&["pacs", "echo", "--dimse", &dimse, "--aet", "SIRTPLAN"]);
    assert_eq!(
        redact(&echo, &[]),
        "ORTHANC@127.0.0.1:PORT answers (C-ECHO)\n"
    );
    let ct: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("/ct/"))
        .cloned()
        .collect();
    let ct_series = attr(&ct[0], dicom_dictionary_std::tags::SERIES_INSTANCE_UID);
    let dest_ct = Scratch::new("sirtplan-cli-test", "pacs-pulled-ct");
    ok(&[
        "pacs",
        "pull",
        "--dimse",
        &dimse,
        "--series",
        &ct_series,
        "--out",
        &dest_ct.display().to_string(),
    ]);
    let got = files_under(&dest_ct);
    assert_eq!(
        std::fs::read_dir(&*dest_ct).unwrap().count(),
        1,
        "one series folder"
    );
    assert_eq!(uids(&got), uids(&ct));

    // The "Done when": push an RT Dose, Orthanc lists an RTDOSE series.
    assert!(!truth.iter().any(|(_, m)| m == "RTDOSE"));
    let dose = rt_dose(&src);
    ok(&["pacs", "push", "--url", &url, &dose.display().to_string()]);
    assert!(orthanc_series(&orthanc).iter().any(|(_, m)| m == "RTDOSE"));
}

/// An RT Dose of the phantom patient (16-bit), written with sirt-dicom.
fn rt_dose(dir: &Path) -> PathBuf {
    use sirt_dicom::write::{
        CivilDateTime, DoseBits, RtDoseInfo, SeriesInfo, StudyInfo, write_rt_dose,
    };
    let p = sirt_phantom::generate(sirt_phantom::Preset::Small, 1).unwrap();
    let t0 = CivilDateTime::new(2025, 1, 29, 12, 0, 0.0).unwrap();
    let study = StudyInfo::new("Phantom^SIRT", PATIENT_ID, t0);
    let mut info = RtDoseInfo::without_plan("pacs test dose");
    info.bits = DoseBits::U16;
    let d = write_rt_dose(
        &p.pet.map(|v| (v * 1e-3).max(0.0)),
        &study,
        &SeriesInfo::new(9, "Dose", t0),
        &info,
    )
    .unwrap();
    let path = dir.join("rtdose.dcm");
    std::fs::write(&path, &d.bytes).unwrap();
    path
}

#[test]
fn receive_with_dcmtk() {
    if let Some(missing) = testing::peers_missing(&["echoscu", "storescu"]) {
        assert!(!testing::peers_required(), "{missing}");
        eprintln!("skipped: {missing}");
        return;
    }
    let out = Scratch::new("sirtplan-cli-test", "received");
    let src = Scratch::new("sirtplan-cli-test", "receive-src");
    let files = phantom_dicom(&src);
    let port = testing::free_port().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args([
            "receive",
            "--aet",
            "SIRTPLAN",
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--out",
            &out.display().to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Listening once it says so.
    let mut stdout_pipe = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut stdout = String::new();
    std::io::BufRead::read_line(&mut stdout_pipe, &mut stdout).unwrap();
    assert!(stdout.starts_with("receiving as SIRTPLAN"), "{stdout}");
    let echo = Command::new("echoscu")
        .args(["-aet", "DCMTK", "-aec", "SIRTPLAN", "127.0.0.1", &port])
        .status()
        .unwrap();
    assert!(echo.success());
    let rtstruct = files.iter().find(|f| f.ends_with("rtstruct.dcm")).unwrap();
    let store = Command::new("storescu")
        .args([
            "-aet",
            "DCMTK",
            "-aec",
            "SIRTPLAN",
            "127.0.0.1",
            &port,
            &rtstruct.display().to_string(),
        ])
        .status()
        .unwrap();
    assert!(store.success());
    std::thread::sleep(Duration::from_millis(300));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    std::io::Read::read_to_string(&mut stdout_pipe, &mut stdout).unwrap();
    let uid = attr(rtstruct, dicom_dictionary_std::tags::SOP_INSTANCE_UID);
    let series = attr(rtstruct, dicom_dictionary_std::tags::SERIES_INSTANCE_UID);
    assert!(out.join(series).join(format!("{uid}.dcm")).exists());
    // Ports of the senders vary: the lines without them.
    let shown: String = redact(
        &stdout.replace(&format!("port {port} "), "port PORT "),
        &[&out],
    )
    .lines()
    .map(|l| l.split(" (127.0.0.1:").next().unwrap_or(l).to_owned() + "\n")
    .collect();
    insta::assert_snapshot!("receive_text", shown);
}

#[test]
fn pacs_errors() {
    let port = sirt_pacs::testing::free_port().unwrap().to_string();
    let down = format!("http://user:secret@127.0.0.1:{port}/dicom-web");
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "node down (DICOMweb)",
            vec![
                "pacs".into(),
                "echo".into(),
                "--url".into(),
                down.clone(),
                "--connect-timeout".into(),
                "2".into(),
            ],
        ),
        (
            "node down (DIMSE)",
            vec![
                "pacs".into(),
                "echo".into(),
                "--dimse".into(),
                format!("PACS@127.0.0.1:{port}"),
            ],
        ),
        (
            "https",
            vec![
                "pacs".into(),
                "echo".into(),
                "--url".into(),
                "https://pacs.example/dicom-web".into(),
            ],
        ),
        (
            "not AET@HOST:PORT",
            vec![
                "pacs".into(),
                "find".into(),
                "--dimse".into(),
                "ORTHANC".into(),
            ],
        ),
        (
            "AE title too long",
            vec![
                "pacs".into(),
                "echo".into(),
                "--dimse".into(),
                "A@h:104".into(),
                "--aet".into(),
                "SEVENTEEN_CHARS_X".into(),
            ],
        ),
        (
            "bad date",
            vec![
                "pacs".into(),
                "find".into(),
                "--url".into(),
                down.clone(),
                "--date".into(),
                "2025-01-15".into(),
            ],
        ),
        (
            "wildcard",
            vec![
                "pacs".into(),
                "find".into(),
                "--url".into(),
                down.clone(),
                "--patient-id".into(),
                "SIRT*".into(),
            ],
        ),
        (
            "bad timeout",
            vec![
                "pacs".into(),
                "echo".into(),
                "--url".into(),
                down.clone(),
                "--request-timeout".into(),
                "0".into(),
            ],
        ),
        (
            "nothing to push",
            vec![
                "pacs".into(),
                "push".into(),
                "--url".into(),
                down.clone(),
                "/nonexistent-folder".into(),
            ],
        ),
    ];
    let mut shown = String::new();
    for (what, args) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = sirtplan(&args);
        let err = text(&o.stderr);
        assert!(!err.contains("secret"), "credentials shown: {err}");
        shown.push_str(&format!(
            "## {what}: exit {}\n{}\n",
            o.status.code().unwrap_or(-1),
            redact(&err, &[])
        ));
    }
    insta::assert_snapshot!("pacs_errors", shown);
}
