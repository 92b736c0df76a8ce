//! `--lang en|fr` and the site's `language`: the command line's text in French (decimal comma,
//! a no-break space before units and "%", French words), English by default, JSON unchanged,
//! an unknown language refused with its value named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod scratch;
use scratch::Scratch;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// U+00A0, the no-break space French typography puts before a unit, "%", ":" and ";".
const NBSP: char = '\u{a0}';

/// The workspace root: `examples/` is read from there, as a user types it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sirtplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run sirtplan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = sirtplan(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// The number texts of an English output with the given unit ("1.9215 GBq"), as French writes
/// them ("1,9215 GBq" with a no-break space): the conversion done by hand here, independently
/// of `Lang::numeric`.
fn english_quantities_in_french(english: &str, unit: &str) -> Vec<String> {
    let words: Vec<&str> = english.split([' ', '(', ')', '\n']).collect();
    let mut out = Vec::new();
    for pair in words.windows(2) {
        let (number, u) = (pair[0], pair[1]);
        let is_decimal = number.contains('.')
            && number.chars().all(|c| c.is_ascii_digit() || c == '.')
            && number.chars().next().is_some_and(|c| c.is_ascii_digit());
        if is_decimal && u.trim_end_matches([',', ';']) == unit {
            out.push(format!("{}{NBSP}{unit}", number.replace('.', ",")));
        }
    }
    out.sort();
    out.dedup();
    out
}

const CALC_LUNG: [&str; 9] = [
    "calc",
    "lung",
    "--activity",
    "4.4 GBq",
    "--lsf",
    "0.2",
    "--lung-mass",
    "1.5 kg",
    "--lang",
];

/// `calc lung` in French. By hand: TheraSphere K = 50 Gy·kg/GBq; lungs 4.4 × 0.2 = 0.88 GBq
/// (23.78 mCi at 37 MBq/mCi); 50 × 0.88 / 1.5 = 29.33 Gy; in the 1 kg convention 44.00 Gy, above
/// the 30 Gy limit (a failed check).
#[test]
fn calc_lung_in_french() {
    let mut args = CALC_LUNG.to_vec();
    args.push("fr");
    let fr = ok(&args);
    let n = NBSP;
    for expected in [
        "Dose pulmonaire\u{a0}: D = K · A · LSF / M_poumons".to_owned(),
        format!("4,4000{n}GBq (118,92{n}mCi)"),
        format!("20,00{n}% (indiqué)"),
        "TheraSphere (verre, Y-90)".to_owned(),
        "masse pulmonaire".to_owned(),
        format!("1,500{n}kg"),
        format!("50{n}Gy·kg/GBq"),
        "activité aux poumons".to_owned(),
        format!("0,8800{n}GBq (23,78{n}mCi)"),
        format!("dose pulmonaire, convention 1{n}kg"),
        format!("29,33{n}Gy"),
        format!("44,00{n}Gy (K · A · LSF / 1{n}kg{n}: la convention"),
        format!("ÉCHEC lung-dose-session{n}: 44,000{n}Gy, doit être ≤ 30{n}Gy"),
        format!("conforme lung-dose-session-mass-used{n}: 29,333{n}Gy"),
        format!("(usage en recherche uniquement{n}; vérifier chaque valeur)"),
    ] {
        assert!(fr.contains(&expected), "missing {expected:?} in:\n{fr}");
    }
    // No English number text or word left in the calculator's own lines.
    for english in [
        "4.4000 GBq",
        "29.33 Gy",
        "44.00 Gy",
        "lung dose",
        "must be",
        "research use only",
    ] {
        assert!(!fr.contains(english), "{english:?} in:\n{fr}");
    }
    insta::assert_snapshot!("calc_lung_fr", fr);

    // English by default and with --lang en: the same text (byte for byte the English
    // snapshot's section, tests/cli.rs).
    let en = ok(&CALC_LUNG[..8]);
    let mut args = CALC_LUNG.to_vec();
    args.push("en");
    assert_eq!(ok(&args), en);
    assert!(en.contains("lung dose, 1 kg convention  44.00 Gy (K · A · LSF / 1 kg"));
    // Every English quantity appears in French with a decimal comma and a no-break space (but
    // the checks' sources: citations, quoted as written, in English).
    let en_values: String = en
        .lines()
        .filter(|l| !l.starts_with("  check"))
        .map(|l| format!("{l}\n"))
        .collect();
    for unit in ["GBq", "mCi", "Gy", "kg", "%"] {
        for q in english_quantities_in_french(&en_values, unit) {
            assert!(fr.contains(&q), "missing {q:?} in:\n{fr}");
        }
    }
}

/// JSON is for machines: the same in every language.
#[test]
fn json_is_the_same_in_every_language() {
    let mut args = CALC_LUNG[..8].to_vec();
    args.extend(["--format", "json"]);
    let en = ok(&args);
    args.extend(["--lang", "fr"]);
    assert_eq!(ok(&args), en);
    assert!(en.contains("\"lung_gy\": 29.33"), "{en}");
}

#[test]
fn an_unknown_language_is_refused_with_its_value() {
    for args in [
        &[
            "calc",
            "lung",
            "--activity",
            "1 GBq",
            "--lsf",
            "0.1",
            "--lang",
            "de",
        ][..],
        &["plan", "examples/demo-net-case.toml", "--lang", "de"][..],
        &["--lang", "de", "devices"][..],
    ] {
        let o = sirtplan(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stdout(&o).is_empty());
        let e = stderr(&o);
        assert!(
            e.contains("'de'") && e.contains("--lang") && e.contains("'en'") && e.contains("'fr'"),
            "{e}"
        );
    }
}

/// `sirtplan plan examples/demo-net-case.toml --lang fr`: the command.
#[test]
fn plan_in_french() {
    let args = ["plan", "examples/demo-net-case.toml", "--lang", "fr"];
    let fr = ok(&args);
    let en = ok(&args[..2]);
    assert_ne!(fr, en);
    assert_eq!(
        ok(&["plan", "examples/demo-net-case.toml", "--lang", "en"]),
        en
    );
    // The right-lobe injection (tests/cli.rs, by hand 1.92 GBq) and the other activities
    // and doses of the English report, with a decimal comma and a no-break space.
    assert!(en.contains("1.9215 GBq (51.93 mCi)"), "{en}");
    assert!(
        fr.contains(&format!("1,9215{NBSP}GBq (51,93{NBSP}mCi)")),
        "{fr}"
    );
    // The rules' sources are citations, quoted as written (in English): left out.
    let start = en.find("Sources of the rules").unwrap();
    let end = en[start..].find("\nNotes").unwrap() + start;
    let en_body = format!("{}{}", &en[..start], &en[end..]);
    for unit in ["GBq", "mCi", "Gy", "kg", "mL", "%"] {
        let expected = english_quantities_in_french(&en_body, unit);
        assert!(!expected.is_empty(), "no {unit} in the English report");
        for q in expected {
            assert!(fr.contains(&q), "missing {q:?} in the French report:\n{fr}");
        }
    }
    for word in [
        "Usage en recherche uniquement",
        "Préparé par",
        "Vérifié par",
        "Approuvé par",
        "Activité administrée",
        "Contrôles",
    ] {
        assert!(fr.contains(word), "missing {word:?} in:\n{fr}");
    }
    insta::assert_snapshot!("plan_text_fr", fr);
}

/// The site's `language` gives French without `--lang`; `--lang en` overrides it.
#[test]
fn site_language_is_the_default_and_lang_overrides_it() {
    let dir = Scratch::new("sirtplan-lang-test", "site");
    let site = dir.join("site.toml");
    std::fs::write(&site, "[site]\nlanguage = \"fr\"\n").unwrap();
    let site = site.to_str().unwrap();

    let mut args = CALC_LUNG[..8].to_vec();
    args.extend(["--site", site]);
    let from_site = ok(&args);
    let mut fr_args = CALC_LUNG.to_vec();
    fr_args.push("fr");
    assert_eq!(from_site, ok(&fr_args));
    args.extend(["--lang", "en"]);
    assert_eq!(ok(&args), ok(&CALC_LUNG[..8]));

    let plan_site = ok(&["plan", "examples/demo-net-case.toml", "--site", site]);
    let plan_fr = ok(&["plan", "examples/demo-net-case.toml", "--lang", "fr"]);
    assert_eq!(plan_site, plan_fr);
    let plan_en = ok(&[
        "plan",
        "examples/demo-net-case.toml",
        "--site",
        site,
        "--lang",
        "en",
    ]);
    assert_eq!(plan_en, ok(&["plan", "examples/demo-net-case.toml"]));
    assert!(plan_en.contains("1.9215 GBq"));
}

/// The other calculators and listings in French: words and decimal commas.
#[test]
fn other_commands_in_french() {
    let n = NBSP;
    let decay = ok(&[
        "calc",
        "decay",
        "--nuclide",
        "Y-90",
        "--activity",
        "7 GBq",
        "--from",
        "2026-03-01T12:00:00-05:00",
        "--to",
        "2026-03-04T09:00:00-05:00",
        "--lang",
        "fr",
    ]);
    // 69 h of Y-90 (from 12:00 to 09:00 three days later, same zone), T½ ≈ 64.1 h: the factor
    // is 2^(−69 / 64.1) ≈ 0.474.
    for expected in [
        "Décroissance de Y-90".to_owned(),
        "durée écoulée".to_owned(),
        format!("69,0000{n}h"),
        "facteur de décroissance  0,47".to_owned(),
        format!("7,0000{n}GBq"),
    ] {
        assert!(
            decay.contains(&expected),
            "missing {expected:?} in:\n{decay}"
        );
    }
    let bsa = ok(&[
        "calc",
        "bsa",
        "--height",
        "1.75 m",
        "--weight",
        "75 kg",
        "--tumour-volume",
        "200 mL",
        "--liver-volume",
        "1800 mL",
        "--lsf",
        "0.25",
        "--lang",
        "fr",
    ]);
    assert!(
        bsa.contains(&format!(
            "aucune{n}: LSF 25,0{n}% supérieur à 20{n}%, traitement contre-indiqué"
        )),
        "{bsa}"
    );
    assert!(bsa.contains("surface corporelle (Du Bois)"), "{bsa}");
    // The partition model by hand (tests/cli.rs): 3.5014 GBq for 200 Gy to the tumour.
    let partition = ok(&[
        "calc",
        "partition",
        "--tumour-dose",
        "200 Gy",
        "--tnr",
        "3",
        "--tumour-mass",
        "0.3 kg",
        "--normal-mass",
        "1.5 kg",
        "--lsf",
        "0.08",
        "--lung-limit",
        "30 Gy",
        "--lang",
        "fr",
    ]);
    for expected in [
        "contrainte limitante           objectif de dose tumorale".to_owned(),
        format!(
            "objectif de dose tumorale 3,5014{n}GBq (94,63{n}mCi){n}; limite de dose pulmonaire de l'injection"
        ),
        format!("dose tumorale                  200,0{n}Gy"),
        format!("0,300{n}kg / 1,500{n}kg, TNR 3"),
    ] {
        assert!(
            partition.contains(&expected),
            "missing {expected:?} in:\n{partition}"
        );
    }
    let devices = ok(&["devices", "--lang", "fr"]);
    assert!(devices.contains(&format!("{n}; commande ")), "{devices}");
    assert!(devices.contains(&format!("étalonnage{n}: ")), "{devices}");
}

/// The frame of an error follows `--lang`; its words are the library's (English).
#[test]
fn error_frame_in_french() {
    let o = sirtplan(&["plan", "no-such-case.toml", "--lang", "fr"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.starts_with(&format!("erreur{NBSP}: ")), "{e}");
    let o = sirtplan(&["plan", "no-such-case.toml"]);
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
}

/// `sirtplan dose` in French: the voxel report's words and numbers, and the command's own note
/// (the image loader's notes stay English).
#[test]
fn dose_in_french() {
    let dir = Scratch::new("sirtplan-lang-test", "dose");
    let d = |p: &str| dir.join(p).to_str().unwrap().to_owned();
    ok(&[
        "phantom",
        "--out",
        &d(""),
        "--preset",
        "small",
        "--lang",
        "fr",
    ]);
    let fr = ok(&[
        "dose",
        "--activity",
        &d("dicom/spect"),
        "--kind",
        "maa",
        "--ct",
        &d("dicom/ct"),
        "--structures",
        &d("dicom/rtstruct.dcm"),
        "--tumour",
        "T1",
        "--administered",
        "2 GBq",
        "--lsf",
        "0.05",
        "--engine",
        "local-deposition",
        "--lang",
        "fr",
    ]);
    let n = NBSP;
    for expected in [
        "dosimétrie voxélique".to_owned(),
        // 2 GBq planned; the liver and its margin hold A (1 − LSF) = 1.9 GBq.
        format!("2000,0{n}MBq"),
        format!("1900,0{n}MBq (95,00{n}%"),
        format!("pas de structure --lungs{n}: les coups pulmonaires gardent l'échelle du foie"),
    ] {
        assert!(fr.contains(&expected), "missing {expected:?} in:\n{fr}");
    }
    assert!(!fr.contains("no --lungs structure"), "{fr}");
}

/// The text of a PDF by pdftotext (poppler-utils); None without it.
fn pdf_text(pdf: &Path) -> Option<String> {
    let o = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// The command: `plan examples/demo-net-case.toml --lang fr --out DIR --pdf` writes
/// plan.pdf on A4 with the sign-off block, and the treatment-day sheets, in French.
#[test]
#[allow(clippy::print_stderr)]
fn french_pdf_on_a4_with_sign_off_and_sheets() {
    if sirt_report::pdf::chromium_candidates().is_empty() {
        eprintln!("no Chromium: the French PDF not checked");
        return;
    }
    let dir = Scratch::new("sirtplan-lang-test", "pdf");
    let out = dir.join("out");
    ok(&[
        "plan",
        "examples/demo-net-case.toml",
        "--lang",
        "fr",
        "--out",
        out.to_str().unwrap(),
        "--pdf",
    ]);
    let html = std::fs::read_to_string(out.join("plan.html")).unwrap();
    assert!(html.contains("<html lang=\"fr\""), "{}", &html[..200]);
    for n in [1, 2] {
        let sheet = out.join(format!("treatment-day-session-{n}.pdf"));
        assert!(std::fs::read(&sheet).unwrap().starts_with(b"%PDF"));
    }
    let Ok(info) = Command::new("pdfinfo").arg(out.join("plan.pdf")).output() else {
        eprintln!("no pdfinfo: the paper size not checked");
        return;
    };
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("(A4)"), "{info}");
    let Some(report) = pdf_text(&out.join("plan.pdf")) else {
        return;
    };
    for word in [
        "Signatures",
        "Préparé par",
        "Vérifié par",
        "Approuvé par",
        "Usage en recherche uniquement",
        "1,9215 GBq",
    ] {
        // pdftotext gives the no-break space as a space.
        assert!(
            report.replace(NBSP, " ").contains(word),
            "{word:?} not in plan.pdf:\n{report}"
        );
    }
    let sheet = pdf_text(&out.join("treatment-day-session-1.pdf")).unwrap();
    assert!(sheet.contains("Jour de traitement"), "{sheet}");
    assert!(sheet.replace(NBSP, " ").contains("1,8727 GBq"), "{sheet}");
}
