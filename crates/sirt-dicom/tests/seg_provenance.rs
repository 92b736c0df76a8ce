//! SEG provenance: who made the segments and how. A SEG written with
//! `write_seg_with_content` carries Content Label, Content Description and Content Creator's
//! Name (0070,0084), and per segment the Segment Algorithm Type (0062,0008) — MANUAL,
//! SEMIAUTOMATIC or AUTOMATIC — with the Segment Algorithm Name (0062,0009); pydicom reads
//! them back, dciodvfy reports no error; `write_seg` keeps writing what it wrote before; bad
//! provenance is refused naming the field.
//!
//! The peers are optional on a developer machine (a note) and required under
//! `SIRTPLAN_REQUIRE_PEERS` (CI).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::PathBuf;
use std::process::Command;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::open_file;
use sirt_dicom::write::{
    CivilDateTime, Code, SegContent, SegmentAlgorithmType, SegmentSpec, SeriesInfo, StudyInfo,
    WrittenSeries, save_objects, write_ct_series, write_seg, write_seg_with_content,
};
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};

mod peers;
use peers::{dciodvfy, peer};

fn t0() -> CivilDateTime {
    CivilDateTime::new(2026, 3, 5, 10, 0, 0.0).unwrap()
}

fn grid() -> Grid {
    Grid::axis_aligned(
        [16, 12, 6],
        [1.5, 1.5, 2.5],
        PointLps::new(-12.0, -9.0, 0.0),
        FrameOfReference("2.25.1234567".into()),
    )
    .unwrap()
}

/// A CT and a label map (1: "liver" box, 2: "tumour" voxels inside it).
fn scene(study: &StudyInfo) -> (WrittenSeries, Image<u16>) {
    let g = grid();
    let ct = Image::new(g.clone(), (0..g.len()).map(|n| (n % 200) as f32).collect()).unwrap();
    let ct = write_ct_series(&ct, study, &SeriesInfo::new(1, "CT", t0())).unwrap();
    let mut labels = Image::filled(g, 0u16);
    for k in 1..5 {
        for j in 2..10 {
            for i in 3..13 {
                labels.set(i, j, k, 1);
            }
        }
    }
    labels.set(7, 5, 3, 2);
    labels.set(8, 5, 3, 2);
    (ct, labels)
}

fn specs() -> Vec<SegmentSpec> {
    let mut liver = SegmentSpec::organ(&[1, 2], "liver", Code::new("10200004", "SCT", "Liver"));
    liver.algorithm = Some("region growing + fill holes + margin".into());
    liver.algorithm_type = Some(SegmentAlgorithmType::Semiautomatic);
    liver.description = Some(
        "region growing on \"ct\" from 1 seed in [47.5, 145] (6-connected); fill holes (3-D); \
         by Curie^Marie"
            .into(),
    );
    let mut tumour = SegmentSpec::tumour(&[2], "T1");
    tumour.algorithm_type = Some(SegmentAlgorithmType::Manual);
    tumour.description =
        Some("brush disc radius 2 mm at (0.0, 0.0, 5.0) mm; by Curie^Marie".into());
    let mut auto = SegmentSpec::tumour(&[2], "T1 (program)");
    auto.algorithm = Some("sirtplan 0.1.0 threshold".into());
    vec![liver, tumour, auto]
}

fn content() -> SegContent {
    SegContent {
        label: "LIVER_TOOLS".into(),
        description: Some("Liver and tumour, structure tools".into()),
        creator: Some("Curie^Marie".into()),
    }
}

fn out_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("seg-provenance-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn text(o: &dicom_object::InMemDicomObject, tag: Tag) -> Option<String> {
    o.element(tag).ok().map(|e| {
        e.to_str()
            .unwrap()
            .trim_end_matches([' ', '\0'])
            .to_string()
    })
}

fn written(name: &str) -> PathBuf {
    let study = StudyInfo::new("Test^Seg", "S1", t0());
    let (ct, labels) = scene(&study);
    let seg = write_seg_with_content(
        &labels,
        &specs(),
        &ct.reference,
        &study,
        &SeriesInfo::new(2, "Structures", t0()),
        &content(),
    )
    .unwrap();
    save_objects(out_dir(name), &[seg]).unwrap().remove(0)
}

#[test]
fn provenance_is_written_and_read_back() {
    let file = written("read");
    let o = open_file(&file).unwrap();
    assert_eq!(
        text(&o, tags::CONTENT_LABEL).as_deref(),
        Some("LIVER_TOOLS")
    );
    assert_eq!(
        text(&o, tags::CONTENT_DESCRIPTION).as_deref(),
        Some("Liver and tumour, structure tools")
    );
    assert_eq!(
        text(&o, tags::CONTENT_CREATOR_NAME).as_deref(),
        Some("Curie^Marie")
    );
    let items = o
        .element(tags::SEGMENT_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .to_vec();
    let got: Vec<(Option<String>, Option<String>)> = items
        .iter()
        .map(|it| {
            (
                text(it, tags::SEGMENT_ALGORITHM_TYPE),
                text(it, tags::SEGMENT_ALGORITHM_NAME),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                Some("SEMIAUTOMATIC".into()),
                Some("region growing + fill holes + margin".into())
            ),
            (Some("MANUAL".into()), None),
            (
                Some("AUTOMATIC".into()),
                Some("sirtplan 0.1.0 threshold".into())
            ),
        ]
    );
}

#[test]
fn write_seg_keeps_its_unattributed_content() {
    let study = StudyInfo::new("Test^Seg", "S1", t0());
    let (ct, labels) = scene(&study);
    let seg = write_seg(
        &labels,
        &[SegmentSpec::tumour(&[2], "T1")],
        &ct.reference,
        &study,
        &SeriesInfo::new(2, "Structures", t0()),
    )
    .unwrap();
    let file = save_objects(out_dir("plain"), &[seg]).unwrap().remove(0);
    let o = open_file(&file).unwrap();
    assert_eq!(
        text(&o, tags::CONTENT_LABEL).as_deref(),
        Some("SEGMENTATION")
    );
    assert_eq!(
        text(&o, tags::CONTENT_DESCRIPTION).as_deref(),
        Some("Structures")
    );
    assert_eq!(text(&o, tags::CONTENT_CREATOR_NAME).as_deref(), Some(""));
    let it = o.element(tags::SEGMENT_SEQUENCE).unwrap().items().unwrap()[0].clone();
    assert_eq!(
        text(&it, tags::SEGMENT_ALGORITHM_TYPE).as_deref(),
        Some("MANUAL")
    );
    assert!(it.element(tags::SEGMENT_ALGORITHM_NAME).is_err());
}

#[test]
fn bad_provenance_is_refused_naming_the_field() {
    let study = StudyInfo::new("Test^Seg", "S1", t0());
    let (ct, labels) = scene(&study);
    let series = SeriesInfo::new(2, "Structures", t0());
    let try_write = |specs: &[SegmentSpec], content: &SegContent| {
        write_seg_with_content(&labels, specs, &ct.reference, &study, &series, content)
            .unwrap_err()
            .to_string()
    };
    let mut s = specs();
    s[0].algorithm = None;
    assert_eq!(
        try_write(&s, &content()),
        "SEG series 2 \"Structures\": segment 1 \"liver\": algorithm type SEMIAUTOMATIC needs \
         an algorithm name"
    );
    let mut s = specs();
    s[2].algorithm = Some("x".repeat(65));
    assert!(
        try_write(&s, &content()).contains("the algorithm name has 65 characters, at most 64"),
        "{}",
        try_write(&s, &content())
    );
    let mut s = specs();
    s[1].algorithm = Some("brush".into());
    assert!(
        try_write(&s, &content())
            .contains("segment 2 \"T1\": algorithm type MANUAL takes no algorithm name")
    );
    let mut c = content();
    c.label = "liver tools".into();
    assert!(try_write(&specs(), &c).contains("Content Label \"liver tools\""));
    let mut c = content();
    c.creator = Some("Curie\\Marie".into());
    assert!(try_write(&specs(), &c).contains("Content Creator's Name \"Curie\\Marie\""));
}

#[test]
fn dciodvfy_reports_no_errors() {
    if !peer(
        "dciodvfy (dicom3tools)",
        Command::new("sh").args(["-c", "command -v dciodvfy"]),
    ) {
        return;
    }
    let file = written("dciodvfy");
    let (errors, warnings) = dciodvfy(&file);
    for w in &warnings {
        eprintln!("    {w}");
    }
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn pydicom_reads_the_provenance() {
    if !peer(
        "python3 with pydicom 3",
        Command::new("python3").args([
            "-c",
            "import pydicom; assert int(pydicom.__version__.split('.')[0]) >= 3",
        ]),
    ) {
        return;
    }
    let file = written("pydicom");
    let script = r#"
import json, sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
print(json.dumps({
    "creator": str(ds.ContentCreatorName),
    "family": ds.ContentCreatorName.family_name,
    "label": ds.ContentLabel,
    "description": ds.ContentDescription,
    "segments": [[s.SegmentLabel, s.SegmentAlgorithmType, s.get("SegmentAlgorithmName")]
                 for s in ds.SegmentSequence],
}))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"creator": "Curie^Marie", "family": "Curie", "label": "LIVER_TOOLS", "description": "Liver and tumour, structure tools", "segments": [["liver", "SEMIAUTOMATIC", "region growing + fill holes + margin"], ["T1", "MANUAL", null], ["T1 (program)", "AUTOMATIC", "sirtplan 0.1.0 threshold"]]}"#
    );
}
