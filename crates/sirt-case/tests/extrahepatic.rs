//! `images.extrahepatic`: named extrahepatic structures, read in file order; empty, repeated,
//! liver or lung names refused, naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

const DEMO: &str = include_str!("../../../examples/demo-phantom-case.toml");

fn with_extrahepatic(list: &str) -> String {
    let without: String = DEMO
        .lines()
        .filter(|l| !l.starts_with("extrahepatic"))
        .map(|l| format!("{l}\n"))
        .collect();
    without.replace(
        "engine = \"kernel\"",
        &format!("engine = \"kernel\"\nextrahepatic = {list}"),
    )
}

#[test]
fn names_are_read_in_order() {
    let case = sirt_case::parse(
        &with_extrahepatic(r#"["duodenum", "gallbladder"]"#),
        "c.toml",
    )
    .unwrap();
    let images = case.images.unwrap();
    assert_eq!(images.extrahepatic, ["duodenum", "gallbladder"]);
}

#[test]
fn bad_names_are_refused_naming_the_field() {
    for (list, field) in [
        (r#"["duodenum", ""]"#, "images.extrahepatic[1]"),
        (r#"["duodenum", "duodenum"]"#, "images.extrahepatic[1]"),
        (r#"["liver"]"#, "images.extrahepatic[0]"),
        (r#"["lungs"]"#, "images.extrahepatic[0]"),
    ] {
        let text = with_extrahepatic(list);
        let e = sirt_case::parse(&text, "c.toml").unwrap_err().to_string();
        assert!(e.contains(field), "{list}: {e}");
    }
}
