"""Peer numbers for tests/lifelines_peer.rs.

Usage: python3 lifelines_peer.py probe          -> exit 0 when lifelines 0.30.3, scipy, numpy import
       python3 lifelines_peer.py run OUT_DIR    -> writes OUT_DIR/<name>.csv, prints JSON

Sources of each number:
- Kaplan-Meier, median and its interval, multi-group log-rank, Cox (Efron): lifelines 0.30.3
  (KaplanMeierFitter, median_survival_times, multivariate_logrank_test, CoxPHFitter).
- Cox global Wald statistic: beta' V^-1 beta from lifelines' params_ and variance_matrix_.
- Cox (Breslow): lifelines has Efron only, so an independent NumPy partial likelihood (risk
  sets as a boolean matrix) with gradient and Hessian, maximised by Newton-Raphson; the same code
  with Efron's terms is reported too (efron_check) and checked against lifelines.
- Logistic regression: statsmodels Logit when installed, otherwise Newton-Raphson on the
  log-likelihood written in NumPy, SE from the inverse Fisher information (X' W X)^-1.
- AUC: scipy.stats.mannwhitneyu(pos, neg).statistic / (n1 n0). Youden: a NumPy sweep.
"""

import json
import math
import sys

import numpy as np


def probe():
    import lifelines  # noqa: F401
    import scipy  # noqa: F401

    assert lifelines.__version__ == "0.30.3", lifelines.__version__


def fin(x):
    x = float(x)
    return x if math.isfinite(x) else None


def km_block(df, tcol, ecol, gcol):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    out = {}
    groups = [None] if gcol is None else sorted(df[gcol].unique())
    for g in groups:
        sub = df if g is None else df[df[gcol] == g]
        k = KaplanMeierFitter(alpha=0.05).fit(sub[tcol], sub[ecol])
        ci = k.confidence_interval_
        med_ci = median_survival_times(ci)
        out["all" if g is None else str(g)] = {
            "n": int(len(sub)),
            "timeline": [float(t) for t in k.survival_function_.index],
            "survival": [float(v) for v in k.survival_function_.iloc[:, 0]],
            "lower": [float(v) for v in ci.iloc[:, 0]],
            "upper": [float(v) for v in ci.iloc[:, 1]],
            "median": fin(k.median_survival_time_),
            "median_lower": fin(med_ci.iloc[0, 0]),
            "median_upper": fin(med_ci.iloc[0, 1]),
        }
    return out


def logrank_block(df, tcol, ecol, gcol):
    from lifelines.statistics import multivariate_logrank_test

    r = multivariate_logrank_test(df[tcol], df[gcol], df[ecol])
    return {
        "chi2": float(r.test_statistic),
        "p": float(r.p_value),
        "df": int(r.degrees_of_freedom),
        "groups": int(df[gcol].nunique()),
    }


def cox_block(df, tcol, ecol, covs):
    from lifelines import CoxPHFitter

    # Tight stopping rules: lifelines' defaults stop at a relative log-likelihood change of
    # 1e-9, which leaves the coefficients of flat likelihoods (kidney_transplant) about 1e-5
    # relative from the maximum.
    c = CoxPHFitter().fit(df[covs + [tcol, ecol]], tcol, ecol,
                          fit_options={"precision": 1e-12, "r_precision": 1e-15})
    lr = c.log_likelihood_ratio_test()
    beta = c.params_.values
    v = c.variance_matrix_.values
    wald = float(beta @ np.linalg.solve(v, beta))
    s = c.summary
    return {
        "covariates": covs,
        "coef": [float(x) for x in beta],
        "se": [float(x) for x in c.standard_errors_.values],
        "p": [float(x) for x in s["p"].values],
        "hr_lower": [float(x) for x in s["exp(coef) lower 95%"].values],
        "hr_upper": [float(x) for x in s["exp(coef) upper 95%"].values],
        "loglik": float(c.log_likelihood_),
        "lr": float(lr.test_statistic),
        "lr_p": float(lr.p_value),
        "lr_df": int(lr.degrees_freedom),
        "wald": wald,
        "concordance": float(c.concordance_index_),
        "n": int(len(df)),
    }


def numpy_cox(df, tcol, ecol, covs, ties):
    """Partial likelihood in NumPy: risk sets as a boolean matrix, tied deaths per time."""
    X = df[covs].to_numpy(float)
    T = df[tcol].to_numpy(float)
    E = df[ecol].to_numpy(int).astype(bool)
    X = X - X.mean(axis=0)
    times = np.unique(T[E])
    risk = T[None, :] >= times[:, None]  # (k, n)
    dead = (T[None, :] == times[:, None]) & E[None, :]

    def parts(b):
        eta = X @ b
        w = np.exp(eta)
        ll, g, H = 0.0, np.zeros(len(b)), np.zeros((len(b), len(b)))
        for r, d in zip(risk, dead):
            m = int(d.sum())
            s0, s1 = w[r].sum(), w[r] @ X[r]
            s2 = (X[r] * w[r][:, None]).T @ X[r]
            d0, d1 = w[d].sum(), w[d] @ X[d]
            d2 = (X[d] * w[d][:, None]).T @ X[d]
            ll += eta[d].sum()
            g += X[d].sum(axis=0)
            for l in range(m):
                phi = l / m if ties == "efron" else 0.0
                a0, a1, a2 = s0 - phi * d0, s1 - phi * d1, s2 - phi * d2
                ll -= math.log(a0)
                g -= a1 / a0
                H += a2 / a0 - np.outer(a1, a1) / a0**2
        return ll, g, H

    b = np.zeros(X.shape[1])
    ok = False
    for _ in range(100):
        ll, g, H = parts(b)
        step = np.linalg.solve(H, g)
        b = b + step
        if np.max(np.abs(step)) < 1e-12:
            ok = True
            break
    ll, _, H = parts(b)
    se = np.sqrt(np.diag(np.linalg.inv(H)))
    return {
        "coef": [float(x) for x in b],
        "se": [float(x) for x in se],
        "loglik": float(ll),
        "converged": ok,
    }


def logistic_block(y, X, names):
    y = np.asarray(y, float)
    A = np.column_stack([np.ones(len(y)), np.asarray(X, float)])
    try:
        import statsmodels.api as sm

        r = sm.Logit(y, A).fit(disp=0, tol=1e-12, maxiter=200)
        return {
            "peer": "statsmodels " + sm.__version__ if hasattr(sm, "__version__") else "statsmodels",
            "coef": [float(x) for x in r.params],
            "se": [float(x) for x in r.bse],
            "p": [float(x) for x in r.pvalues],
            "loglik": float(r.llf),
            "null_loglik": float(r.llnull),
        }
    except ImportError:
        pass
    from scipy import stats

    def nll(b):
        eta = A @ b
        return -(y @ eta - np.logaddexp(0.0, eta).sum())

    def grad(b):
        p = 1.0 / (1.0 + np.exp(-(A @ b)))
        return -(A.T @ (y - p))

    def hess(b):
        p = 1.0 / (1.0 + np.exp(-(A @ b)))
        return (A * (p * (1 - p))[:, None]).T @ A

    # Newton-Raphson (IRLS) from b = 0.
    b = np.zeros(A.shape[1])
    ok = False
    for _ in range(200):
        step = np.linalg.solve(hess(b), -grad(b))
        b = b + step
        if np.max(np.abs(step)) < 1e-13 * max(1.0, np.max(np.abs(b))):
            ok = True
            break
    cov = np.linalg.inv(hess(b))
    se = np.sqrt(np.diag(cov))
    p = 2 * stats.norm.sf(np.abs(b / se))
    ybar = y.mean()
    null = len(y) * (ybar * math.log(ybar) + (1 - ybar) * math.log(1 - ybar))
    return {
        "peer": "Newton-Raphson on a NumPy log-likelihood (statsmodels not installed)",
        "coef": [float(x) for x in b],
        "se": [float(x) for x in se],
        "p": [float(x) for x in p],
        "loglik": float(-nll(b)),
        "null_loglik": float(null),
        "converged": ok,
    }


def roc_block(score, y):
    from scipy.stats import mannwhitneyu

    score, y = np.asarray(score, float), np.asarray(y, bool)
    pos, neg = score[y], score[~y]
    u = mannwhitneyu(pos, neg).statistic
    best = (-2.0, None, None, None)
    for t in sorted(np.unique(score), reverse=True):
        sens = float(np.mean(pos >= t))
        spec = float(np.mean(neg < t))
        j = sens + spec - 1
        if j > best[0] + 1e-12:
            best = (j, float(t), sens, spec)
    neg_u = mannwhitneyu(-pos, -neg).statistic
    return {
        "auc": float(u) / (len(pos) * len(neg)),
        "auc_negated": float(neg_u) / (len(pos) * len(neg)),
        "youden_j": best[0],
        "youden_threshold": best[1],
        "sensitivity": best[2],
        "specificity": best[3],
        "distinct_scores": int(len(np.unique(score))),
    }


def run(out_dir):
    import lifelines
    import scipy
    from lifelines import datasets

    res = {"versions": {"lifelines": lifelines.__version__, "scipy": scipy.__version__,
                        "numpy": np.__version__}}

    # rossi: Cox Efron at full precision; Breslow by the NumPy peer.
    rossi = datasets.load_rossi()
    covs = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    rossi.to_csv(f"{out_dir}/rossi.csv", index=False)
    res["rossi"] = {
        "cox": cox_block(rossi, "week", "arrest", covs),
        "efron_check": numpy_cox(rossi, "week", "arrest", covs, "efron"),
        "breslow": numpy_cox(rossi, "week", "arrest", covs, "breslow"),
        "logistic": logistic_block(rossi["arrest"], rossi[["fin", "age", "prio"]], ["fin", "age", "prio"]),
    }

    # larynx: four stages (ties in time), age and stage dummies.
    lar = datasets.load_larynx()
    lar["stage"] = np.select([lar.Stage_II == 1, lar.Stage_III == 1, lar.Stage_IV == 1],
                             ["II", "III", "IV"], "I")
    lar.to_csv(f"{out_dir}/larynx.csv", index=False)
    lcovs = ["age", "Stage_II", "Stage_III", "Stage_IV"]
    res["larynx"] = {
        "km": km_block(lar, "time", "death", "stage"),
        "logrank": logrank_block(lar, "time", "death", "stage"),
        "cox": cox_block(lar, "time", "death", lcovs),
        "efron_check": numpy_cox(lar, "time", "death", lcovs, "efron"),
        "breslow": numpy_cox(lar, "time", "death", lcovs, "breslow"),
    }

    # gbsg2: three tumour grades, nine covariates.
    g = datasets.load_gbsg2()
    g["horTh_yes"] = (g.horTh == "yes").astype(int)
    g["menostat_post"] = (g.menostat == "Post").astype(int)
    g["tgrade_II"] = (g.tgrade == "II").astype(int)
    g["tgrade_III"] = (g.tgrade == "III").astype(int)
    g.to_csv(f"{out_dir}/gbsg2.csv", index=False)
    gcovs = ["horTh_yes", "age", "menostat_post", "tsize", "tgrade_II", "tgrade_III", "pnodes",
             "progrec", "estrec"]
    res["gbsg2"] = {
        "km": km_block(g, "time", "cens", "tgrade"),
        "logrank": logrank_block(g, "time", "cens", "tgrade"),
        "cox": cox_block(g, "time", "cens", gcovs),
    }

    # lung: missing values; complete cases on the used columns.
    lung = datasets.load_lung()
    lung.to_csv(f"{out_dir}/lung.csv", index=False)
    lc = lung.dropna(subset=["age", "sex", "ph.ecog"]).copy()
    lc["ecog"] = lc["ph.ecog"].astype(int).astype(str)
    res["lung"] = {
        "rows_used": int(len(lc)),
        "km": km_block(lc, "time", "status", "ecog"),
        "logrank": logrank_block(lc, "time", "status", "ecog"),
        "cox": cox_block(lc, "time", "status", ["age", "sex", "ph.ecog"]),
    }

    # kidney_transplant: heavy ties (863 subjects), race-sex groups.
    k = datasets.load_kidney_transplant()
    k["race_sex"] = np.select([k.black_male == 1, k.white_male == 1, k.black_female == 1],
                              ["black_male", "white_male", "black_female"], "white_female")
    k.to_csv(f"{out_dir}/kidney_transplant.csv", index=False)
    kcovs = ["age", "black_male", "white_male", "black_female"]
    res["kidney_transplant"] = {
        "km": km_block(k, "time", "death", "race_sex"),
        "logrank": logrank_block(k, "time", "death", "race_sex"),
        "cox": cox_block(k, "time", "death", kcovs),
        "efron_check": numpy_cox(k, "time", "death", kcovs, "efron"),
        "breslow": numpy_cox(k, "time", "death", kcovs, "breslow"),
    }

    # A dose-response set: lesion dose (Gy, rounded to 10 Gy so that scores tie) and response.
    rng = np.random.default_rng(20240607)
    dose = np.round(rng.uniform(20, 400, 80) / 10) * 10
    p = 1 / (1 + np.exp(-(-3.0 + 0.018 * dose)))
    resp = (rng.uniform(size=80) < p).astype(int)
    import pandas as pd

    pd.DataFrame({"dose_gy": dose, "response": resp}).to_csv(f"{out_dir}/dose_response.csv",
                                                             index=False)
    res["dose_response"] = {
        "logistic": logistic_block(resp, dose[:, None], ["dose_gy"]),
        "roc": roc_block(dose, resp),
    }
    print(json.dumps(res))


if __name__ == "__main__":
    if sys.argv[1] == "probe":
        probe()
    else:
        run(sys.argv[2])
