//! The generated text reads back (`sirt_case::parse`) to every value of the request; without
//! measured values it reads for measurement with none stated; bad requests name the field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use sirt_units::{Activity, Density};

fn instant(s: &str) -> Instant {
    s.parse().unwrap()
}

fn request() -> PlanRequest {
    PlanRequest {
        patient: PatientInput {
            id: "SIRT-PHANTOM-1".into(),
            sex: Some("female".into()),
            age_years: Some(61),
            height: Some(Length::from_m(1.65)),
            weight: Some(Mass::from_kg(68.0)),
        },
        diagnosis: DiagnosisInput {
            indication: "NET".into(),
            grade: Some("G2".into()),
            ki67_percent: Some(8.0),
            primary_site: Some("ileum \"small bowel\"\nsecond line".into()),
        },
        liver: LiverInput {
            volume: Volume::from_ml(2_173.812_5),
            density: Some(Density::from_g_per_ml(1.05)),
            source: Some("volume of structure \"liver\"\n(CT grid)".into()),
        },
        lungs: Some(LungsInput {
            ct_volume: Volume::from_ml(951.13),
            density: None,
            source: Some("volume of structure \"lungs\"".into()),
        }),
        mapping_date: Some(instant("2025-01-15T09:00:00[Europe/London]")),
        tumours: vec![
            TumourInput {
                id: "T1".into(),
                volume: Volume::from_ml(59.08),
                segment: Some("VII".into()),
                lobe: Some(Lobe::Right),
                source: None,
            },
            TumourInput {
                id: "T2".into(),
                volume: Volume::from_ml(23.79),
                segment: None,
                lobe: Some(Lobe::Left),
                source: Some("volume of structure \"T2\"".into()),
            },
        ],
        planning: PlanningInput {
            device: "therasphere".into(),
            residual_fraction: Fraction::new(0.03).unwrap(),
            limits: sirt_case::Limits {
                whole_liver_ntad_max: Some(AbsorbedDose::from_gy(75.0)),
                lung_session_max: Some(AbsorbedDose::from_gy(30.0)),
                lung_cumulative_max: Some(AbsorbedDose::from_gy(50.0)),
                ..Default::default()
            },
        },
        session: SessionInput {
            id: "1".into(),
            treatment: instant("2025-01-29T10:00:00[Europe/London]"),
        },
        injections: vec![InjectionInput {
            id: "WL".into(),
            label: Some("proper hepatic artery".into()),
            territory: TerritoryKind::WholeLiver,
            intent: None,
            lobe: Lobe::Both,
            method: Method::Partition,
            goal: Goal::TumourDose {
                dose: AbsorbedDose::from_gy(150.0),
                tumour: "combined".into(),
            },
            tumours: vec![
                ("T1".into(), None),
                ("T2".into(), Some(Fraction::new(0.5).unwrap())),
            ],
            perfused_volume: None,
        }],
        images: ImagesInput {
            ct: "studies/1/CT-1".into(),
            maa_spect: Some("studies/1/NM-2/00001.dcm".into()),
            y90_pet: None,
            structures: "studies/1/RTSTRUCT-5/00001.dcm".into(),
            registration: Vec::new(),
            liver: "liver".into(),
            lungs: Some("lungs".into()),
            tumours: [
                ("T1".to_owned(), "T1".to_owned()),
                ("T2".into(), "T2".into()),
            ]
            .into(),
            territories: BTreeMap::new(),
            extrahepatic: vec!["stomach".into()],
        },
        measured: Some(MeasuredInput {
            lsf: Fraction::new(0.059_312_5).unwrap(),
            lsf_source: "counts in lung mask / (lung + liver masks), SPECT studies/1/NM-2".into(),
            tnr: [
                (("WL".to_owned(), "T1".to_owned()), 2.987_654_321),
                (("WL".into(), "T2".into()), 3.5),
            ]
            .into(),
            tnr_source: "mean counts per mL in tumour / normal liver".into(),
            perfused_volume: [("WL".to_owned(), Volume::from_ml(2_173.812_5))].into(),
            perfused_source: "liver (whole-liver injection)".into(),
        }),
        accepted: vec![Accepted {
            what: "lungs.mass".into(),
            reason: "digital phantom: \"lung bases\" only".into(),
        }],
    }
}

#[test]
fn every_field_round_trips() {
    let r = request();
    let (text, case) = build_case(&r).unwrap();
    // Parsed again from the text alone: the same case.
    assert_eq!(sirt_case::parse(&text, "again").unwrap(), case, "{text}");
    assert_eq!(case.patient.id, "SIRT-PHANTOM-1");
    assert_eq!(case.patient.sex.as_deref(), Some("female"));
    assert_eq!(case.patient.age_years, Some(61));
    assert_eq!(case.patient.height, Some(Length::from_m(1.65)));
    assert_eq!(case.patient.weight, Some(Mass::from_kg(68.0)));
    assert_eq!(case.diagnosis.indication, "NET");
    assert_eq!(case.diagnosis.grade, Some(sirt_case::Grade::G2));
    assert_eq!(case.diagnosis.ki67_percent, Some(8.0));
    assert_eq!(
        case.diagnosis.primary_site.as_deref(),
        Some("ileum \"small bowel\"\nsecond line")
    );
    assert_eq!(case.liver.volume, Volume::from_ml(2_173.812_5));
    assert_eq!(case.liver.density, Density::from_g_per_ml(1.05));
    assert_eq!(
        case.lungs.basis,
        sirt_analytic::lung::LungMassBasis::CtVolume {
            volume: Volume::from_ml(951.13),
            // The case format's default lung density: 0.3 g/mL.
            density: Density::from_g_per_ml(0.3),
        }
    );
    assert_eq!(case.mapping.lsf, Fraction::new(0.059_312_5));
    assert_eq!(
        case.mapping.date,
        Some(instant("2025-01-15T09:00:00[Europe/London]"))
    );
    assert_eq!(case.tumours.len(), 2);
    assert_eq!(case.tumours[0].volume, Volume::from_ml(59.08));
    assert_eq!(case.tumours[0].segment.as_deref(), Some("VII"));
    assert_eq!(case.tumours[0].lobe, Some(Lobe::Right));
    assert_eq!(case.tumours[1].segment, None);
    assert_eq!(case.tumours[1].lobe, Some(Lobe::Left));
    assert_eq!(case.planning.device, "therasphere");
    assert_eq!(
        case.planning.residual_fraction,
        Fraction::new(0.03).unwrap()
    );
    assert_eq!(case.planning.limits, r.planning.limits);
    assert_eq!(case.sessions.len(), 1);
    assert_eq!(case.sessions[0].id, "1");
    assert_eq!(
        case.sessions[0].treatment,
        instant("2025-01-29T10:00:00[Europe/London]")
    );
    let inj = &case.injections[0];
    assert_eq!(inj.id, "WL");
    assert_eq!(inj.session, "1");
    assert_eq!(inj.label.as_deref(), Some("proper hepatic artery"));
    assert_eq!(inj.territory, TerritoryKind::WholeLiver);
    assert_eq!(inj.intent, Intent::WholeLiver);
    assert_eq!(inj.lobe, Lobe::Both);
    assert_eq!(inj.method, Method::Partition);
    assert_eq!(inj.perfused_volume, Volume::from_ml(2_173.812_5));
    assert_eq!(inj.goal, r.injections[0].goal);
    assert_eq!(inj.tumours[0].id, "T1");
    assert_eq!(inj.tumours[0].tnr, 2.987_654_321);
    assert_eq!(inj.tumours[0].fraction, Fraction::ONE);
    assert_eq!(inj.tumours[1].tnr, 3.5);
    assert_eq!(inj.tumours[1].fraction, Fraction::new(0.5).unwrap());
    assert_eq!(inj.lsf_source, sirt_case::LsfSource::Mapping);
    let im = case.images.as_ref().unwrap();
    assert_eq!(im.ct, "studies/1/CT-1");
    assert_eq!(im.maa_spect.as_deref(), Some("studies/1/NM-2/00001.dcm"));
    assert_eq!(im.y90_pet, None);
    assert_eq!(im.structures, "studies/1/RTSTRUCT-5/00001.dcm");
    assert_eq!(im.liver, "liver");
    assert_eq!(im.lungs.as_deref(), Some("lungs"));
    assert_eq!(im.tumours, r.images.tumours);
    assert_eq!(im.extrahepatic, ["stomach"]);
    assert_eq!(case.accepted, r.accepted);
    // Provenance comments, one line each (a line break in a source does not leak into TOML).
    assert!(
        text.contains("lsf = 0.0593125    # measured: counts in lung mask"),
        "{text}"
    );
    assert!(
        text.contains("# tnr measured: mean counts per mL"),
        "{text}"
    );
    assert!(
        text.contains("volume = \"2173.8125 mL\"    # volume of structure \"liver\" (CT grid)"),
        "{text}"
    );
}

#[test]
fn without_measured_values_they_are_left_for_measurement() {
    let mut r = request();
    r.measured = None;
    let (text, _) = build_case(&r).unwrap();
    assert!(!text.contains("lsf"), "{text}");
    assert!(!text.contains("tnr"), "{text}");
    assert!(!text.contains("perfused_volume"), "{text}");
    let (_, stated) = sirt_case::parse_for_measurement(&text, "m").unwrap();
    assert_eq!(stated.lsf, None);
    assert!(
        stated.tnr.is_empty() && stated.perfused_volume.is_empty(),
        "{stated:?}"
    );
    // `sirtplan plan`'s reader needs them: this text is for the measuring engine only.
    assert!(sirt_case::parse(&text, "p").is_err());
}

#[test]
fn other_goals_and_methods_round_trip() {
    let goals = [
        (
            Method::Mird,
            Goal::PerfusedDose {
                dose: AbsorbedDose::from_gy(120.0),
            },
        ),
        (Method::Partition, Goal::Maximum),
        (
            Method::Mird,
            Goal::Activity {
                activity: Activity::from_gbq(1.25),
            },
        ),
        (
            Method::Partition,
            Goal::TumourDose {
                dose: AbsorbedDose::from_gy(200.0),
                tumour: "T1".into(),
            },
        ),
    ];
    for (method, goal) in goals {
        let mut r = request();
        r.injections[0].method = method;
        r.injections[0].goal = goal.clone();
        let (_, case) = build_case(&r).unwrap();
        assert_eq!(case.injections[0].method, method);
        assert_eq!(case.injections[0].goal, goal);
    }
    let mut r = request();
    r.planning.device = "sir-spheres".into();
    r.injections[0].method = Method::Bsa;
    r.injections[0].goal = Goal::Formula;
    let (text, case) = build_case(&r).unwrap();
    assert!(!text.contains("goal"), "{text}");
    assert_eq!(case.injections[0].goal, Goal::Formula);
}

#[test]
fn a_lobar_injection_with_a_territory_keeps_its_intent_and_stated_volume() {
    let mut r = request();
    let inj = &mut r.injections[0];
    inj.territory = TerritoryKind::Lobar;
    inj.intent = Some(Intent::Lobectomy);
    inj.lobe = Lobe::Right;
    inj.perfused_volume = Some(Volume::from_ml(1400.0));
    r.images.territories = [("WL".to_owned(), "right lobe".to_owned())].into();
    let (text, case) = build_case(&r).unwrap();
    assert_eq!(case.injections[0].intent, Intent::Lobectomy);
    assert_eq!(case.injections[0].perfused_volume, Volume::from_ml(1400.0));
    assert_eq!(
        case.images.unwrap().territories["WL"],
        "right lobe",
        "{text}"
    );
}

#[test]
fn a_missing_measurement_names_the_field() {
    let mut r = request();
    if let Some(m) = &mut r.measured {
        m.tnr.remove(&("WL".to_owned(), "T2".to_owned()));
    }
    let e = build_case(&r).unwrap_err();
    assert_eq!(e.field(), Some("injections[0].tumours[1].tnr"), "{e}");
    let mut r = request();
    if let Some(m) = &mut r.measured {
        m.perfused_volume.clear();
    }
    let e = build_case(&r).unwrap_err();
    assert_eq!(e.field(), Some("injections[0].perfused_volume"), "{e}");
}

#[test]
fn an_invalid_case_is_refused_by_the_case_reader_naming_the_field() {
    // Tumours larger than the liver: the case reader's own rule.
    let mut r = request();
    r.tumours[0].volume = Volume::from_ml(5000.0);
    let e = build_case(&r).unwrap_err();
    assert!(matches!(e, CaseBuildError::Invalid(_)), "{e}");
    assert!(e.field().is_some(), "{e}");
    // A tumour goal naming an unknown tumour.
    let mut r = request();
    r.injections[0].goal = Goal::TumourDose {
        dose: AbsorbedDose::from_gy(150.0),
        tumour: "T9".into(),
    };
    let e = build_case(&r).unwrap_err();
    assert!(e.field().unwrap().starts_with("injections[0]"), "{e}");
    // An unknown device.
    let mut r = request();
    r.planning.device = "no-such-device".into();
    // The device is checked against the catalogue by the planning engine, not the reader: the
    // text still reads.
    assert!(build_case(&r).is_ok());
}

#[test]
fn toml_strings_escape_what_toml_needs() {
    // Each text as a catheter label, read back by the case reader.
    for s in [
        "plain",
        "with \"quotes\"",
        "back\\slash",
        "line\nbreak\ttab",
        "bell\u{7}",
        "é µ",
    ] {
        let mut r = request();
        r.injections[0].label = Some(s.to_owned());
        let (_, case) = build_case(&r).unwrap();
        assert_eq!(case.injections[0].label.as_deref(), Some(s));
    }
}
