//! Builds measurement files for the tests (the TOML format of `FORMAT.md`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use sirt_recist::{Evaluation, Params};

/// A measurement file under construction.
pub struct File {
    pub text: String,
    follow_ups: usize,
}

/// Date `days` after 2025-01-06 (the baseline of every built file).
pub fn day(days: i64) -> String {
    let base: jiff::civil::Date = "2025-01-06".parse().unwrap();
    base.checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

impl File {
    pub fn new() -> File {
        File {
            text: "schema = \"sirtplan-recist/1\"\npatient = \"TEST\"\n".to_owned(),
            follow_ups: 0,
        }
    }

    /// Raw `[protocol]` lines.
    pub fn protocol(mut self, lines: &str) -> File {
        self.text.push_str(&format!("[protocol]\n{lines}\n"));
        self
    }

    fn lesion(mut self, id: &str, kind: &str, organ: &str, nodal: bool) -> File {
        self.text.push_str(&format!(
            "[[lesions]]\nid = \"{id}\"\nkind = \"{kind}\"\norgan = \"{organ}\"\nnodal = {nodal}\n"
        ));
        self
    }
    pub fn target(self, id: &str, organ: &str) -> File {
        self.lesion(id, "target", organ, false)
    }
    pub fn target_node(self, id: &str) -> File {
        self.lesion(id, "target", "lymph node", true)
    }
    pub fn non_target(self, id: &str, organ: &str) -> File {
        self.lesion(id, "non-target", organ, false)
    }
    pub fn non_target_node(self, id: &str) -> File {
        self.lesion(id, "non-target", "lymph node", true)
    }

    fn visit(&mut self, header: &str, date: &str, extra: &str, meas: &[(&str, &str)]) {
        let rows: Vec<String> = meas
            .iter()
            .map(|(id, fields)| format!("  {{ lesion = \"{id}\", {fields} }},"))
            .collect();
        self.text.push_str(&format!(
            "{header}\ndate = \"{date}\"\nmodality = \"CT\"\nslice_thickness_mm = 2.5\n{extra}measurements = [\n{}\n]\n",
            rows.join("\n")
        ));
    }

    /// Baseline on 2025-01-06; `meas` are (lesion, "field = value, ...") pairs.
    pub fn baseline(mut self, meas: &[(&str, &str)]) -> File {
        self.visit("[baseline]", "2025-01-06", "", meas);
        self
    }

    /// A follow-up `days` after baseline.
    pub fn follow(mut self, days: i64, meas: &[(&str, &str)]) -> File {
        self.follow_ups += 1;
        self.visit("[[follow_up]]", &day(days), "", meas);
        self
    }

    /// A follow-up with extra raw lines (new_lesions = ..., tumour_markers = ...).
    pub fn follow_with(mut self, days: i64, extra: &str, meas: &[(&str, &str)]) -> File {
        self.follow_ups += 1;
        self.visit("[[follow_up]]", &day(days), &format!("{extra}\n"), meas);
        self
    }

    pub fn eval(&self) -> Evaluation {
        self.eval_with(&Params::default())
    }

    pub fn eval_with(&self, p: &Params) -> Evaluation {
        sirt_recist::evaluate(&self.text, "test.toml", p)
            .unwrap_or_else(|e| panic!("{e}\n---\n{}", self.text))
    }

    pub fn err(&self) -> String {
        sirt_recist::evaluate(&self.text, "test.toml", &Params::default())
            .err()
            .unwrap_or_else(|| panic!("expected an error\n---\n{}", self.text))
            .to_string()
    }
}

/// Diameter field text.
pub fn d(mm: &str) -> String {
    format!("diameter_mm = {mm}")
}

/// One non-nodal liver target: baseline `base` then follow-ups 42 days apart.
pub fn one_target(base: &str, follow: &[&str]) -> File {
    let mut f = File::new()
        .target("T1", "liver")
        .baseline(&[("T1", &d(base))]);
    for (i, v) in follow.iter().enumerate() {
        f = f.follow(42 * (i as i64 + 1), &[("T1", &d(v))]);
    }
    f
}
