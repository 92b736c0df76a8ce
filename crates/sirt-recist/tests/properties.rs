//! Invariants: the response does not depend on the order lesions are listed in; scaling every
//! diameter by an integer factor keeps the response (RECIST: where the absolute 5 mm rule does
//! not decide); PD is monotone: a larger follow-up diameter never turns PD into non-PD.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sirt_recist::{Criteria, Evaluation, OverallResponse, Params, TargetResponse};

#[derive(Debug, Clone, Copy)]
enum Val {
    Mm(u32),
    TooSmall,
    NotEvaluated,
    Missing,
}

#[derive(Debug, Clone)]
struct Case {
    /// Baseline diameters of the non-nodal targets, tenths of a mm.
    base: Vec<u32>,
    /// Per follow-up, per target.
    visits: Vec<Vec<Val>>,
    /// Per follow-up: the non-target status (None: no non-target lesion) and a new lesion.
    nt: Option<Vec<&'static str>>,
    new: Vec<bool>,
}

const ORGANS: [&str; 5] = ["liver", "liver", "lung", "lung", "adrenal"];

fn val(measured_only: bool) -> BoxedStrategy<Val> {
    if measured_only {
        prop_oneof![1 => Just(Val::Mm(0)), 9 => (1u32..=2500).prop_map(Val::Mm)].boxed()
    } else {
        prop_oneof![
            1 => Just(Val::Mm(0)),
            12 => (1u32..=2500).prop_map(Val::Mm),
            1 => Just(Val::TooSmall),
            1 => Just(Val::NotEvaluated),
            1 => Just(Val::Missing),
        ]
        .boxed()
    }
}

fn case(measured_only: bool) -> impl Strategy<Value = Case> {
    (1usize..=5, 1usize..=5).prop_flat_map(move |(n, v)| {
        (
            prop::collection::vec(100u32..=2000, n),
            prop::collection::vec(prop::collection::vec(val(measured_only), n), v),
            prop::option::of(prop::collection::vec(
                prop::sample::select(vec!["CR", "non-CR/non-PD", "PD", "NE"]),
                v,
            )),
            prop::collection::vec(prop::bool::weighted(0.1), v),
        )
            .prop_map(|(base, visits, nt, new)| Case {
                base,
                visits,
                nt,
                new,
            })
    })
}

fn mm(t: u32) -> String {
    format!("{}.{}", t / 10, t % 10)
}

/// The file, with lesions and measurements listed in `order` (a permutation of the targets).
fn toml(c: &Case, order: &[usize], scale: u32, criteria: Criteria) -> String {
    let field = |t: u32| {
        if criteria == Criteria::MRecist {
            format!(
                "diameter_mm = {}, viable_mm = {}",
                mm(t * scale),
                mm(t * scale)
            )
        } else {
            format!("diameter_mm = {}", mm(t * scale))
        }
    };
    let mut s = format!(
        "schema = \"sirtplan-recist/1\"\n[protocol]\ncriteria = \"{}\"\n",
        criteria.label()
    );
    for &i in order {
        s += &format!(
            "[[lesions]]\nid = \"T{i}\"\nkind = \"target\"\norgan = \"{}\"\n",
            ORGANS[i]
        );
    }
    if c.nt.is_some() {
        s += "[[lesions]]\nid = \"NT\"\nkind = \"non-target\"\norgan = \"bone\"\n";
    }
    s += "[baseline]\ndate = \"2025-01-06\"\nmodality = \"CT\"\nslice_thickness_mm = 2.5\nmeasurements = [\n";
    for &i in order {
        s += &format!("  {{ lesion = \"T{i}\", {} }},\n", field(c.base[i]));
    }
    s += "]\n";
    for (k, visit) in c.visits.iter().enumerate() {
        let date = format!("2025-{:02}-15", k * 2 + 3);
        s += &format!(
            "[[follow_up]]\ndate = \"{date}\"\nmodality = \"CT\"\nslice_thickness_mm = 2.5\nmeasurements = [\n"
        );
        for &i in order {
            let f = match visit[i] {
                Val::Mm(t) => field(t),
                Val::TooSmall => "diameter_mm = \"too small\"".to_owned(),
                Val::NotEvaluated => "diameter_mm = \"not evaluated\"".to_owned(),
                Val::Missing => continue,
            };
            s += &format!("  {{ lesion = \"T{i}\", {f} }},\n");
        }
        if let Some(nt) = &c.nt {
            s += &format!("  {{ lesion = \"NT\", status = \"{}\" }},\n", nt[k]);
        }
        s += "]\n";
        if c.new[k] {
            s += "new_lesions = [{ id = \"L\", organ = \"lung\" }]\n";
        }
    }
    s
}

fn eval(text: &str) -> Evaluation {
    sirt_recist::evaluate(text, "prop.toml", &Params::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

type Row = (Option<TargetResponse>, OverallResponse);

fn responses(e: &Evaluation) -> (Vec<Row>, OverallResponse, OverallResponse) {
    (
        e.global
            .time_points
            .iter()
            .map(|t| (t.target, t.overall))
            .collect(),
        e.global.best_unconfirmed.response,
        e.global.best_confirmed.response,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn response_is_invariant_to_lesion_order(c in case(false), seed in any::<u64>()) {
        let n = c.base.len();
        let identity: Vec<usize> = (0..n).collect();
        let mut shuffled = identity.clone();
        // Fisher–Yates with a small LCG from the seed.
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (s >> 33) as usize % (i + 1);
            shuffled.swap(i, j);
        }
        let a = eval(&toml(&c, &identity, 1, Criteria::Recist11));
        let b = eval(&toml(&c, &shuffled, 1, Criteria::Recist11));
        prop_assert_eq!(responses(&a), responses(&b));
        let sums = |e: &Evaluation| e.global.time_points.iter().map(|t| (t.sum_tenth_mm, t.nadir_tenth_mm)).collect::<Vec<_>>();
        prop_assert_eq!(sums(&a), sums(&b));
    }

    #[test]
    fn scaling_keeps_the_response(c in case(true), k in 2u32..=4) {
        let order: Vec<usize> = (0..c.base.len()).collect();
        // mRECIST and Choi have no absolute rule: the response is scale-free.
        for criteria in [Criteria::MRecist, Criteria::Choi] {
            let a = eval(&toml(&c, &order, 1, criteria));
            let b = eval(&toml(&c, &order, k, criteria));
            prop_assert_eq!(responses(&a), responses(&b), "{:?} ×{}", criteria, k);
        }
        // RECIST 1.1: the same wherever the 5 mm rule does not decide (an increase of 20 % or
        // more over the nadir that is under 5 mm would become PD once scaled).
        let a = eval(&toml(&c, &order, 1, Criteria::Recist11));
        let decided_by_5mm = a.global.time_points.iter().any(|t| {
            let (Some(s), Some(n)) = (t.sum_tenth_mm.or(t.measured_sum_tenth_mm), t.nadir_tenth_mm) else { return false };
            s > n && s * 5 >= n * 6 && s - n < 50
        });
        prop_assume!(!decided_by_5mm);
        let b = eval(&toml(&c, &order, k, Criteria::Recist11));
        prop_assert_eq!(responses(&a), responses(&b), "RECIST ×{}", k);
    }

    #[test]
    fn pd_is_monotone_in_a_follow_up_diameter(
        c in case(false),
        pick in any::<prop::sample::Index>(),
        delta in 1u32..=500,
    ) {
        let order: Vec<usize> = (0..c.base.len()).collect();
        let a = eval(&toml(&c, &order, 1, Criteria::Recist11));
        // Every measured (visit, target) cell; grow one of them.
        let cells: Vec<(usize, usize)> = c.visits.iter().enumerate()
            .flat_map(|(k, v)| v.iter().enumerate().filter(|(_, x)| matches!(x, Val::Mm(_))).map(move |(i, _)| (k, i)))
            .collect();
        prop_assume!(!cells.is_empty());
        let (k, i) = cells[pick.index(cells.len())];
        let mut grown = c.clone();
        if let Val::Mm(t) = grown.visits[k][i] {
            grown.visits[k][i] = Val::Mm(t + delta);
        }
        let b = eval(&toml(&grown, &order, 1, Criteria::Recist11));
        let (ta, tb) = (&a.global.time_points[k], &b.global.time_points[k]);
        if ta.target == Some(TargetResponse::Pd) {
            prop_assert_eq!(tb.target, Some(TargetResponse::Pd));
        }
        if ta.overall == OverallResponse::Pd {
            prop_assert_eq!(tb.overall, OverallResponse::Pd);
        }
        // Visits before the grown one are unchanged.
        prop_assert_eq!(&a.global.time_points[..k], &b.global.time_points[..k]);
    }
}
