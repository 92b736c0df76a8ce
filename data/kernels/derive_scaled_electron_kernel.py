#!/usr/bin/env python3
"""Derives the two tables sirt-voxel-dosimetry uses to build a β dose point kernel from any β spectrum.

(B1) CSDA range of electrons in liquid water, r0(T) = ∫ dT / S_tot(T), with
     S_col the ICRU Report 37 (1984) collision stopping power (Bethe formula with the
     Rohrlich–Carlson term for electrons, eq. 2.4 of Berger & Seltzer, NBSIR 82-2550, 1982),
     water Z/A = 0.555087, I = 75 eV, Sternheimer (1984) density-effect parameters for water
     (C̄ 3.5017, X0 0.2400, X1 2.8004, a 0.09116, m 3.4773), and S_rad ≈ S_col (T + mc²) Z / 800
     with Z = 7.42 (Attix, "Introduction to Radiological Physics and Radiation Dosimetry", 1986,
     eq. 8.11). Output: csda_range_water_icru37.csv (T in MeV, r0 in g/cm²).
(B2) An energy-independent scaled monoenergetic electron kernel F(x), x = r / r0(T): the fraction
     of an electron's energy deposited between x and x + dx (Berger, "Improved point kernels for
     electron and beta-ray dosimetry", NBSIR 73-107, 1973, shows F nearly independent of T in water
     above ~0.1 MeV). F is piecewise constant on 52 bins of 0.025 in x, fitted by non-negative least
     squares (scipy.optimize.nnls), with a small second-difference smoothing term, so that
         E_shell = ∫ N(T) T Σ_b F_b |[r_in/r0(T), r_out/r0(T)] ∩ bin_b| / |bin_b| dT
     reproduces the Graves et al. 2019 Y-90 β DPK in water (0.1 mm shells to 1.2 cm) with the
     ICRP-107 Y-90 β spectrum. Output: scaled_electron_kernel_water.csv.

A β DPK for another nuclide is then the same sum over its spectrum (sirt-voxel-dosimetry
`PointKernel::from_beta_spectrum`). The method is validated against Lanconelli et al. 2012 voxel S
values of Sr-89 and Re-188, which play no part in the fit (crates/sirt-voxel-dosimetry/tests/beta_spectrum.rs).

Run: python3 data/kernels/derive_scaled_electron_kernel.py   (numpy, scipy)
"""
import csv
import os

import numpy as np
from scipy.optimize import nnls

HERE = os.path.dirname(os.path.abspath(__file__))
ME = 0.51099895  # electron rest energy, MeV (CODATA 2018)
Z_OVER_A = 0.555087  # water (ICRU 37)
I_OVER_ME = 75e-6 / ME  # mean excitation energy of water, 75 eV (ICRU 37)
Z_EFF = 7.42  # water, for the radiative-to-collision ratio (Attix 1986)


def density_effect(beta_gamma):
    x = np.log10(beta_gamma)
    c, x0, x1, a, m = 3.5017, 0.2400, 2.8004, 0.09116, 3.4773
    return np.where(x < x0, 0.0, np.where(x < x1, 4.6052 * x - c + a * (x1 - x) ** m, 4.6052 * x - c))


def s_collision(t):
    tau = t / ME
    g = tau + 1
    b2 = 1 - 1 / g**2
    f = 1 - b2 + (tau**2 / 8 - (2 * tau + 1) * np.log(2)) / (tau + 1) ** 2
    return 0.153537 * Z_OVER_A / b2 * (np.log(tau**2 * (tau + 2) / (2 * I_OVER_ME**2)) + f - density_effect(np.sqrt(g * g - 1)))


def csda_table():
    t = np.logspace(-3, np.log10(3.5), 400)  # 1 keV .. 3.5 MeV
    s = s_collision(t) * (1 + (t + ME) * Z_EFF / 800)
    # below 1 keV: r0 ∝ T (first-order start)
    r = np.concatenate([[t[0] / s[0]], t[0] / s[0] + np.cumsum(0.5 * (1 / s[1:] + 1 / s[:-1]) * np.diff(t))])
    return t, r


def read_spectrum(path):
    rows = [l.split(",") for l in open(path) if l[0].isdigit()]
    return np.array([[float(a), float(b)] for a, b in rows])


N_QUAD = 2000  # midpoint rule over [0, Emax], the same quadrature as sirt-voxel-dosimetry


def quadrature(spec):
    e_max = spec[-1, 0]
    de = e_max / N_QUAD
    t = (np.arange(N_QUAD) + 0.5) * de
    p = np.interp(t, spec[:, 0], spec[:, 1])
    return t, p * de


def main():
    t_tab, r_tab = csda_table()
    with open(os.path.join(HERE, "csda_range_water_icru37.csv"), "w") as f:
        f.write("# CSDA range of electrons in liquid water: ICRU 37 collision stopping power, I = 75 eV, Sternheimer density effect,\n")
        f.write("# radiative term (T + mc2) Z/800, Z = 7.42 (Attix 1986). Derived by derive_scaled_electron_kernel.py.\n")
        f.write("energy_mev,csda_range_g_per_cm2\n")
        for a, b in zip(t_tab, r_tab):
            f.write(f"{a:.6e},{b:.6e}\n")

    def r0_cm(t):
        return np.exp(np.interp(np.log(t), np.log(t_tab), np.log(r_tab)))

    graves = []
    for line in open(os.path.join(HERE, "graves2019_y90_beta_water_r_le_1.2cm.csv")):
        try:
            graves.append([float(v) for v in line.split(",")[:2]])
        except ValueError:
            continue
    graves = np.array(graves)
    r_out = graves[:, 0]
    e_shell = graves[:, 1]
    r_in = np.concatenate([[0.0], r_out[:-1]])

    x_edges = np.linspace(0.0, 1.3, 53)
    t, w = quadrature(read_spectrum(os.path.join(HERE, "..", "spectra", "icrp107_Y-90_beta_spectrum.csv")))
    weight = w * t
    r0 = r0_cm(t)
    a = np.zeros((len(r_out), len(x_edges) - 1))
    for i in range(len(r_out)):
        lo = r_in[i] / r0[:, None]
        hi = r_out[i] / r0[:, None]
        ov = np.maximum(0.0, np.minimum(hi, x_edges[None, 1:]) - np.maximum(lo, x_edges[None, :-1]))
        a[i] = weight @ (ov / np.diff(x_edges)[None, :])
    nb = len(x_edges) - 1
    smooth = np.diff(np.eye(nb), 2, axis=0)
    row_w = 1 / np.maximum(e_shell, 1e-4)  # relative error per shell
    lam = 1.0
    big_a = np.vstack([a * row_w[:, None], lam * smooth])
    big_b = np.concatenate([e_shell * row_w, np.zeros(nb - 2)])
    fractions, _ = nnls(big_a, big_b, maxiter=10000)
    fit = a @ fractions
    rel = np.abs(fit - e_shell)[e_shell > 1e-3] / e_shell[e_shell > 1e-3]
    with open(os.path.join(HERE, "scaled_electron_kernel_water.csv"), "w") as f:
        f.write("# Scaled monoenergetic electron kernel in water, x = r / r0(T): fraction of the electron's energy per x bin.\n")
        f.write(f"# Fitted to the Graves 2019 Y-90 beta DPK with the ICRP-107 Y-90 spectrum by derive_scaled_electron_kernel.py;\n")
        f.write(f"# sum {fractions.sum():.6f}; shells with > 1 keV: max relative misfit {rel.max():.4f}.\n")
        f.write("x_low,x_high,energy_fraction\n")
        for lo, hi, fr in zip(x_edges[:-1], x_edges[1:], fractions):
            f.write(f"{lo:.4f},{hi:.4f},{fr:.6e}\n")
    print(f"sum F = {fractions.sum():.6f}, max shell misfit {rel.max():.4%}, energy {fit.sum():.6f} vs {e_shell.sum():.6f} MeV")


if __name__ == "__main__":
    main()
