"""Peer numbers for tests/followup.rs on a registry CSV (examples/demo-registry.csv).

Usage: python3 followup_peer.py probe       -> exit 0 when lifelines 0.30.3, scipy, numpy import
       python3 followup_peer.py run CSV     -> prints JSON

Sources of each number:
- Kaplan-Meier median and its 95 % interval, OS (os_months, death) and PFS (pfs_months,
  progression), all patients and per group: lifelines 0.30.3 KaplanMeierFitter(alpha=0.05),
  median_survival_time_ and median_survival_times(confidence_interval_); inf -> null.
  `flat_at_half`: the first time lifelines' S(t) is within 1e-12 of 0.5 (null if none). There
  the true S is exactly 0.5 and lifelines' product can land a few ulp above it
  (0.5000000000000002), so its median moves to the next event time; sirtplan compares with a
  tolerance of sqrt(eps) (R quantile.survfit) and takes the flat's start.
- Log-rank glass vs resin on OS: lifelines multivariate_logrank_test (test_statistic, p_value).
- Cox on OS with tumour_dose_gy, age, ki67 (Efron ties): lifelines CoxPHFitter (params_,
  standard_errors_, log_likelihood_, concordance_index_), fitted with
  fit_options={"precision": 1e-12}: at lifelines' default (1e-7) it stops one Newton step
  early here (ki67 coefficient off by 1.5e-7, log-likelihood 1.4e-11 below the maximum).
- Logistic regression of response on tumour_dose_gy: Newton-Raphson on the log-likelihood
  written here in NumPy; SE from the inverse Fisher information (X' W X)^-1.
- AUC of tumour_dose_gy for response: scipy.stats.mannwhitneyu(pos, neg).statistic / (n1 n0).
  Youden: a NumPy sweep over the observed scores (positive when score >= threshold), the
  largest threshold among equal J.
"""

import json
import math
import sys

import numpy as np


def probe():
    import lifelines  # noqa: F401
    import pandas  # noqa: F401
    import scipy  # noqa: F401

    assert lifelines.__version__ == "0.30.3", lifelines.__version__


def fin(x):
    x = float(x)
    return x if math.isfinite(x) else None


def km(df, tcol, ecol):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    out = {}
    for label, sub in [("all", df)] + [(g, df[df.group == g]) for g in sorted(df.group.unique())]:
        k = KaplanMeierFitter(alpha=0.05).fit(sub[tcol], sub[ecol])
        ci = median_survival_times(k.confidence_interval_)
        sf = k.survival_function_.iloc[:, 0]
        half = sf[(sf - 0.5).abs() < 1e-12]
        out[label] = {
            "flat_at_half": fin(half.index[0]) if len(half) else None,
            "median": fin(k.median_survival_time_),
            "lower": fin(ci.iloc[0, 0]),
            "upper": fin(ci.iloc[0, 1]),
        }
    return out


def logistic(y, x):
    X = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(2)
    for _ in range(100):
        p = 1 / (1 + np.exp(-X @ beta))
        score = X.T @ (y - p)
        info = X.T @ (X * (p * (1 - p))[:, None])
        step = np.linalg.solve(info, score)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    p = 1 / (1 + np.exp(-X @ beta))
    info = X.T @ (X * (p * (1 - p))[:, None])
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    return {"coef": [float(b) for b in beta], "se": [float(s) for s in se]}


def run(path):
    import pandas as pd
    from lifelines import CoxPHFitter
    from lifelines.statistics import multivariate_logrank_test
    from scipy.stats import mannwhitneyu

    df = pd.read_csv(path)
    lr = multivariate_logrank_test(df.os_months, df.group, df.death)
    cols = ["tumour_dose_gy", "age", "ki67"]
    cph = CoxPHFitter().fit(
        df[["os_months", "death"] + cols],
        "os_months",
        "death",
        fit_options={"precision": 1e-12},
    )
    y = df.response.to_numpy(dtype=float)
    score = df.tumour_dose_gy.to_numpy(dtype=float)
    pos, neg = score[y == 1], score[y == 0]
    auc = mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg))
    best = None
    for t in sorted(set(score), reverse=True):
        j = np.mean(pos >= t) + np.mean(neg < t) - 1
        if best is None or j > best[1] + 1e-12:
            best = (t, j)
    print(
        json.dumps(
            {
                "km_os": km(df, "os_months", "death"),
                "km_pfs": km(df, "pfs_months", "progression"),
                "logrank": {"chi2": float(lr.test_statistic), "p": float(lr.p_value)},
                "cox": {
                    "names": cols,
                    "coef": [float(cph.params_[c]) for c in cols],
                    "se": [float(cph.standard_errors_[c]) for c in cols],
                    "log_likelihood": float(cph.log_likelihood_),
                    "concordance": float(cph.concordance_index_),
                },
                "logistic": logistic(y, score),
                "auc": float(auc),
                "youden": {"threshold": float(best[0]), "j": float(best[1])},
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "probe":
        probe()
    else:
        run(sys.argv[2])
