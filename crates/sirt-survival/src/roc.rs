//! ROC curve of a continuous score (for example tumour absorbed dose, or a fitted probability)
//! against a binary response; AUC by Mann–Whitney; Youden's optimal threshold.

use serde::Serialize;

/// Which side of a threshold is called positive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PositiveSide {
    /// A subject is called positive when its score is **≥ the threshold** (higher dose →
    /// response expected). The default.
    #[default]
    HigherScore,
    /// A subject is called positive when its score is **≤ the threshold**.
    LowerScore,
}

/// One operating point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RocPoint {
    /// The threshold (a score value, in the score's unit); `None` for the starting point where
    /// no subject is called positive.
    pub threshold: Option<f64>,
    /// True positives / positives.
    pub sensitivity: f64,
    /// True negatives / negatives.
    pub specificity: f64,
    /// Positives called positive.
    pub true_positives: usize,
    /// Negatives called positive.
    pub false_positives: usize,
}

/// The threshold maximising Youden's J = sensitivity + specificity − 1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct YoudenCut {
    /// Threshold (see [`PositiveSide`] for which side is positive).
    pub threshold: f64,
    /// Sensitivity there.
    pub sensitivity: f64,
    /// Specificity there.
    pub specificity: f64,
    /// J.
    pub j: f64,
}

/// An ROC analysis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RocCurve {
    /// Which side of a threshold is positive.
    pub positive_side: PositiveSide,
    /// Subjects with response 1.
    pub positives: usize,
    /// Subjects with response 0.
    pub negatives: usize,
    /// Operating points from "none positive" to "all positive", one per distinct score.
    pub points: Vec<RocPoint>,
    /// Area under the curve = P(score_pos beats score_neg) + ½ P(tie) (Mann–Whitney U/(n₁n₀);
    /// "beats" means higher under [`PositiveSide::HigherScore`], lower otherwise).
    pub auc: f64,
    /// Youden's optimal threshold; among equal J the one calling the fewest subjects positive.
    pub youden: YoudenCut,
}

/// Why an ROC analysis could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RocError {
    /// Scores and responses differ in length.
    #[error("ROC: expected as many responses as scores ({scores}), found {responses}")]
    Length {
        /// Scores.
        scores: usize,
        /// Responses.
        responses: usize,
    },
    /// Only one class present.
    #[error(
        "ROC: expected both positives and negatives, found {positives} positives and {negatives} negatives"
    )]
    OneClass {
        /// Positives.
        positives: usize,
        /// Negatives.
        negatives: usize,
    },
    /// A score is not finite.
    #[error("ROC: subject {index}: expected a finite score, found {found}")]
    Score {
        /// Zero-based subject.
        index: usize,
        /// Value.
        found: f64,
    },
}

/// ROC curve, AUC and Youden threshold of `scores` against `responses`.
pub fn roc(scores: &[f64], responses: &[bool], side: PositiveSide) -> Result<RocCurve, RocError> {
    if scores.len() != responses.len() {
        return Err(RocError::Length {
            scores: scores.len(),
            responses: responses.len(),
        });
    }
    if let Some((index, &found)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
        return Err(RocError::Score { index, found });
    }
    let positives = responses.iter().filter(|&&r| r).count();
    let negatives = responses.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(RocError::OneClass {
            positives,
            negatives,
        });
    }
    // Work on s' = s (higher positive) or −s (lower positive): positive when s' ≥ −threshold'.
    let sign = match side {
        PositiveSide::HigherScore => 1.0,
        PositiveSide::LowerScore => -1.0,
    };
    let s: Vec<f64> = scores.iter().map(|v| sign * v).collect();
    let mut order: Vec<usize> = (0..s.len()).collect();
    order.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
    let (np, nn) = (positives as f64, negatives as f64);
    let mut points = vec![RocPoint {
        threshold: None,
        sensitivity: 0.0,
        specificity: 1.0,
        true_positives: 0,
        false_positives: 0,
    }];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < order.len() {
        let t = s[order[i]];
        while i < order.len() && s[order[i]] == t {
            if responses[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        points.push(RocPoint {
            threshold: Some(sign * t),
            sensitivity: tp as f64 / np,
            specificity: 1.0 - fp as f64 / nn,
            true_positives: tp,
            false_positives: fp,
        });
    }
    // Mann–Whitney with mid-ranks (ties count ½), on s' ascending.
    let mut asc: Vec<usize> = (0..s.len()).collect();
    asc.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < asc.len() {
        let mut j = i;
        while j < asc.len() && s[asc[j]] == s[asc[i]] {
            j += 1;
        }
        let mid = (i + 1 + j) as f64 / 2.0; // mean of ranks i+1..=j
        rank_sum_pos += mid * asc[i..j].iter().filter(|&&k| responses[k]).count() as f64;
        i = j;
    }
    let u = rank_sum_pos - np * (np + 1.0) / 2.0;
    let auc = u / (np * nn);
    let mut best = YoudenCut {
        threshold: f64::NAN,
        sensitivity: 0.0,
        specificity: 1.0,
        j: f64::NEG_INFINITY,
    };
    for p in &points[1..] {
        let j = p.sensitivity + p.specificity - 1.0;
        if j > best.j + 1e-12 {
            best = YoudenCut {
                threshold: p.threshold.unwrap_or(f64::NAN),
                sensitivity: p.sensitivity,
                specificity: p.specificity,
                j,
            };
        }
    }
    Ok(RocCurve {
        positive_side: side,
        positives,
        negatives,
        points,
        auc,
        youden: best,
    })
}
