//! The plan's texts in French: notes, the facts shown with checks, the reasons a check was not
//! evaluated and the rules' French wording, with the decimal comma and the no-break space
//! before units and high punctuation. English stays as it was (the other tests of this crate
//! and the report snapshots hold it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_i18n::Lang;
use sirt_workflow::{Plan, plan};

fn run(text: &str) -> Plan {
    let case = sirt_case::parse(text, "test.toml").unwrap();
    plan(
        &case,
        &sirt_devices::Catalogue::embedded().unwrap(),
        &sirt_rules::RuleSet::embedded().unwrap(),
        "test.toml",
    )
    .unwrap()
}

/// NET G2, CT lung volume 2740 mL (lung density 0.3 g/mL by default: 0.822 kg), LSF 12 %,
/// liver density not stated (the 1.03 g/mL default), no bilirubin, an earlier SIRT without
/// its whole-liver NTAD and an earlier PRRT; one glass session of 4.0 GBq to the right lobe
/// with tumour A.
const CASE: &str = r#"
schema = "sirtplan-case/1"
[patient]
id = "FR-1"
[diagnosis]
indication = "NET"
grade = "G2"
[liver]
volume = "1800 mL"
[lungs]
ct_volume = "2740 mL"
[mapping]
lsf = 0.12
date = "2026-02-20T09:00:00-05:00"
[[tumours]]
id = "A"
volume = "200 mL"
[planning]
device = "therasphere"
residual_fraction = 0.03
[[sessions]]
id = "1"
treatment = "2026-03-05T10:00:00-05:00"
[[injections]]
id = "R"
session = "1"
territory = "lobar"
lobe = "right"
perfused_volume = "1100 mL"
method = "partition"
tumours = [{ id = "A", tnr = 3 }]
goal = { activity = "4.0 GBq" }
[[earlier_treatments]]
date = "2024-01-10"
kind = "SIRT"
device = "SIR-Spheres"
territory = "lobar"
lobe = "right"
activity = "1.2 GBq"
[[earlier_treatments]]
date = "2023-05-15"
kind = "PRRT"
activity = "7.4 GBq"
cycles = 4
"#;

fn notes(p: &Plan, lang: Lang) -> Vec<String> {
    p.notes.iter().map(|n| n.render(lang)).collect()
}

fn check<'a>(p: &'a Plan, rule: &str, subject: &str) -> &'a sirt_rules::Check {
    p.checks
        .iter()
        .find(|c| c.rule == rule && c.subject == subject)
        .unwrap_or_else(|| panic!("no {rule} on {subject}"))
}

#[test]
fn notes_in_french_with_decimal_comma_and_no_break_spaces() {
    let p = run(CASE);
    let en = notes(&p, Lang::En);
    let fr = notes(&p, Lang::Fr);
    assert_eq!(en.len(), fr.len());
    // English as it always was.
    assert!(en.contains(
        &"Liver and tumour density 1.03 g/mL is the default (TheraSphere dosimetry convention [R]); state liver.density to change it."
            .to_owned()
    ), "{en:#?}");
    assert!(en.contains(
        &"Lung mass 0.822 kg from the CT lung volume; the TheraSphere label's 0.61 GBq-to-lung limit equals 30 Gy only for 1 kg with K = 50."
            .to_owned()
    ), "{en:#?}");
    // French: "1,03 g/mL", "0,822 kg", "0,61 GBq", no-break spaces before units and ";".
    for expected in [
        "Masse volumique du foie et des tumeurs de 1,03\u{a0}g/mL par défaut (convention dosimétrique TheraSphere [R])\u{a0}; renseigner liver.density pour la modifier.",
        "Masse pulmonaire de 0,822\u{a0}kg issue du volume pulmonaire TDM\u{a0}; la limite de 0,61\u{a0}GBq aux poumons de la notice TheraSphere ne correspond à 30\u{a0}Gy que pour 1\u{a0}kg avec K = 50.",
        "Les doses tumorales sont des prédictions issues des 99mTc-MAA (modèle de partition, fixation uniforme par compartiment)\u{a0}; les MAA prédisent mal la dose tumorale\u{a0}: vérifier par l’imagerie post-traitement.",
        "SIRT antérieure du 2024-01-10 sans NTAD foie entier enregistrée (earlier_treatments.whole_liver_ntad)\u{a0}: comptée à 0\u{a0}Gy, la NTAD foie entier cumulée est donc une borne inférieure.",
    ] {
        assert!(
            fr.contains(&expected.to_owned()),
            "{expected}\nnot in {fr:#?}"
        );
    }
    for n in &fr {
        for bad in [" ;", " :", " %", " Gy", " GBq", " kg", " mL"] {
            assert!(!n.contains(bad), "'{bad}' without a no-break space: {n}");
        }
    }
}

#[test]
fn check_texts_in_french() {
    let p = run(CASE);
    // The lung detail: mass and LSF with decimal commas.
    let lung = check(&p, "lung-dose-session", "session 1");
    assert_eq!(
        lung.title.render(Lang::Fr),
        "Dose absorbée pulmonaire par séance d’au plus 30\u{a0}Gy (poumon de 1\u{a0}kg, LSF de planification\u{a0}: la convention de la limite)"
    );
    let note = lung.note.as_ref().unwrap();
    assert!(
        note.en().starts_with(
            "lung mass used 0.822 kg (CT lung volume 2740 mL × 0.3 g/mL); LSF R 12.0 % (mapping.lsf). The decisive lung check"
        ),
        "{}",
        note.en()
    );
    assert!(
        note.render(Lang::Fr).starts_with(
            "masse pulmonaire retenue 0,822\u{a0}kg (volume pulmonaire TDM 2740\u{a0}mL × 0,3\u{a0}g/mL)\u{a0}; LSF R 12,0\u{a0}% (mapping.lsf). Le contrôle pulmonaire décisif\u{a0}: K · A · LSF / 1\u{a0}kg"
        ),
        "{}",
        note.render(Lang::Fr)
    );
    assert_eq!(
        lung.values_from.render(Lang::Fr),
        "modèle de partition aux flacons commandés"
    );
    assert_eq!(
        lung.values_from.en(),
        "partition model at the ordered vials"
    );

    // The earlier PRRT as recorded, in French: "7,40 GBq (200,0 mCi) par cycle, 4 cycles".
    let prrt = check(&p, "retreatment-after-prrt", "patient");
    let fr = prrt.note.as_ref().unwrap().render(Lang::Fr);
    assert!(
        fr.starts_with("PRRT du 2023-05-15 (7,40\u{a0}GBq (200,0\u{a0}mCi) par cycle, 4 cycles). La dose hépatique de la PRRT"),
        "{fr}"
    );
    // The retreatment: the earlier SIRT in words.
    let sirt = check(&p, "retreatment-first-treatment-thresholds", "session 1");
    let fr = sirt.note.as_ref().unwrap().render(Lang::Fr);
    assert!(
        fr.starts_with(
            "antécédent de SIRT du 2024-01-10 (SIR-Spheres, lobaire (lobe droit), 1,20\u{a0}GBq (32,4\u{a0}mCi)). Retraitement\u{a0}:"
        ),
        "{fr}"
    );
    assert!(
        sirt.note.as_ref().unwrap().en().starts_with(
            "earlier SIRT 2024-01-10 (SIR-Spheres, lobar (right lobe), 1.20 GBq (32.4 mCi)). A retreatment:"
        ),
        "{}",
        sirt.note.as_ref().unwrap().en()
    );
    // The imaging age: 13.0 days, limit 56 days.
    let age = check(&p, "imaging-age-site-limit", "session 1");
    let fr = age.note.as_ref().unwrap().render(Lang::Fr);
    assert!(
        fr.starts_with("imagerie du 2026-02-20 09:00 -05:00 (mapping.date), traitement le 2026-03-05 10:00 -05:00\u{a0}: ancienneté 13,0 jours\u{a0}; limite du site 56 jours"),
        "{fr}"
    );
}

#[test]
fn a_reason_not_evaluated_in_french() {
    // No labs: the bilirubin check is not evaluated, with its reason in the reader's language.
    let p = run(CASE);
    let b = check(&p, "bilirubin-max", "patient");
    assert_eq!(b.status, sirt_rules::Status::NotEvaluated);
    let note = b.note.as_ref().unwrap();
    assert!(
        note.en().starts_with("no bilirubin value in the case labs"),
        "{}",
        note.en()
    );
    assert!(
        note.render(Lang::Fr)
            .starts_with("pas de bilirubinémie dans le bilan biologique du dossier"),
        "{}",
        note.render(Lang::Fr)
    );
    assert_eq!(b.status.text(Lang::Fr), "non évalué");
    assert_eq!(b.basis.text(Lang::Fr), "partition");
}

#[test]
fn a_contraindication_in_french() {
    // Resin BSA with an LSF of 25 %: above the last reduction band.
    let text = CASE
        .replace(
            "id = \"FR-1\"",
            "id = \"FR-1\"\nheight = \"1.70 m\"\nweight = \"70 kg\"",
        )
        .replace("device = \"therasphere\"", "device = \"sir-spheres\"")
        .replace("lsf = 0.12", "lsf = 0.25")
        .replace("method = \"partition\"", "method = \"bsa\"")
        .replace("goal = { activity = \"4.0 GBq\" }\n", "")
        .replace("tumours = [{ id = \"A\", tnr = 3 }]\n", "");
    let p = run(&text);
    let sirt_workflow::Outcome::Contraindicated { reason } = &p.injections[0].outcome else {
        panic!("{:#?}", p.injections[0].outcome)
    };
    assert_eq!(
        reason.en(),
        "LSF 25.0 % is above the last resin reduction band: treatment contraindicated"
    );
    assert_eq!(
        reason.render(Lang::Fr),
        "LSF de 25,0\u{a0}% au-delà de la dernière tranche de réduction des microsphères en résine\u{a0}: traitement contre-indiqué"
    );
}

#[test]
fn several_reasons_joined_with_french_semicolons() {
    // A second session on the right lobe again: session 2 is a retreatment for two reasons.
    let text = CASE.replace(
        "[[injections]]",
        "[[sessions]]\nid = \"2\"\ntreatment = \"2026-04-02T10:00:00-04:00\"\n[[injections]]\nid = \"R2\"\nsession = \"2\"\nterritory = \"lobar\"\nlobe = \"right\"\nperfused_volume = \"1100 mL\"\nmethod = \"mird\"\ngoal = { activity = \"1.0 GBq\" }\n[[injections]]",
    );
    let p = run(&text);
    let c = check(&p, "retreatment-first-treatment-thresholds", "session 2");
    let note = c.note.as_ref().unwrap();
    assert!(
        note.en().starts_with(
            "earlier SIRT 2024-01-10 (SIR-Spheres, lobar (right lobe), 1.20 GBq (32.4 mCi)); session 1 (2026-03-05 10:00 -05:00) treated lobe right of this session's territory. A retreatment:"
        ),
        "{}",
        note.en()
    );
    assert!(
        note.render(Lang::Fr).starts_with(
            "antécédent de SIRT du 2024-01-10 (SIR-Spheres, lobaire (lobe droit), 1,20\u{a0}GBq (32,4\u{a0}mCi))\u{a0}; la séance 1 (2026-03-05 10:00 -05:00) a traité le lobe droit du territoire de cette séance. Retraitement\u{a0}:"
        ),
        "{}",
        note.render(Lang::Fr)
    );
}

#[test]
fn an_earlier_treatment_of_both_lobes_in_french() {
    let text = CASE.replace(
        "device = \"SIR-Spheres\"\nterritory = \"lobar\"\nlobe = \"right\"",
        "device = \"SIR-Spheres\"\nterritory = \"whole-liver\"\nlobe = \"both\"",
    );
    let p = run(&text);
    let c = check(&p, "retreatment-first-treatment-thresholds", "session 1");
    let note = c.note.as_ref().unwrap();
    assert!(
        note.en()
            .starts_with("earlier SIRT 2024-01-10 (SIR-Spheres, whole-liver (both lobe), 1.20 GBq"),
        "{}",
        note.en()
    );
    assert!(
        note.render(Lang::Fr).starts_with(
            "antécédent de SIRT du 2024-01-10 (SIR-Spheres, foie entier (les deux lobes), 1,20\u{a0}GBq"
        ),
        "{}",
        note.render(Lang::Fr)
    );
}
