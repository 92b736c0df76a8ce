//! `[[accepted]]`: a refused input the case accepts with a reason; names checked so that a typo
//! cannot silently disable a check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");
const PHANTOM: &str = include_str!("../../../examples/demo-phantom-case.toml");

fn with(text: &str, accepted: &str) -> Result<sirt_case::Case, String> {
    sirt_case::parse(&format!("{text}\n{accepted}"), "case.toml").map_err(|e| e.to_string())
}

#[test]
fn accepted_entries_are_read_with_their_reason() {
    let case = with(
        DEMO,
        "[[accepted]]\nwhat = \"liver.volume\"\nreason = \"  polycystic liver, confirmed by two readers \"\n",
    )
    .unwrap();
    assert_eq!(case.accepted.len(), 1);
    let a = case.accepted("liver.volume").unwrap();
    assert_eq!(a.reason, "polycystic liver, confirmed by two readers");
    assert!(case.accepted("lungs.mass").is_none());
    // Without the table: none.
    assert!(
        sirt_case::parse(DEMO, "d.toml")
            .unwrap()
            .accepted
            .is_empty()
    );
}

#[test]
fn accepted_refusals_name_the_entry() {
    let e = with(
        DEMO,
        "[[accepted]]\nwhat = \"liver.volumes\"\nreason = \"x\"\n",
    )
    .unwrap_err();
    assert!(e.contains("accepted[0].what"), "{e}");
    assert!(e.contains("\"liver.volumes\""), "{e}");
    assert!(e.contains("liver.volume,"), "{e}");

    let e = with(
        DEMO,
        "[[accepted]]\nwhat = \"liver.volume\"\nreason = \"  \"\n",
    )
    .unwrap_err();
    assert!(e.contains("accepted[0].reason"), "{e}");
    assert!(e.contains("an empty text"), "{e}");

    let e = with(DEMO, "[[accepted]]\nwhat = \"liver.volume\"\n").unwrap_err();
    assert!(e.contains("reason"), "{e}");

    let twice = "[[accepted]]\nwhat = \"lungs.mass\"\nreason = \"a\"\n[[accepted]]\nwhat = \"lungs.mass\"\nreason = \"b\"\n";
    let e = with(DEMO, twice).unwrap_err();
    assert!(e.contains("accepted[1].what"), "{e}");
    assert!(e.contains("a second time"), "{e}");
}

#[test]
fn accepted_image_checks_need_their_image() {
    // The analytic demo has no [images].
    let e = with(
        DEMO,
        "[[accepted]]\nwhat = \"images.maa_spect.counts_in_body\"\nreason = \"x\"\n",
    )
    .unwrap_err();
    assert!(e.contains("an [images] table"), "{e}");
    // The phantom demo's SPECT is DICOM: no qform/sform to accept.
    let e = with(
        PHANTOM,
        "[[accepted]]\nwhat = \"images.maa_spect.qform_sform\"\nreason = \"x\"\n",
    )
    .unwrap_err();
    assert!(e.contains("a NIfTI file"), "{e}");
    // A SPECT it has.
    with(
        PHANTOM,
        "[[accepted]]\nwhat = \"images.maa_spect.counts_in_body\"\nreason = \"x\"\n",
    )
    .unwrap();
}
