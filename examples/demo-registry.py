"""Writes demo-registry.csv: a SYNTHETIC registry of 60 patients with liver metastases of a
neuroendocrine tumour treated by SIRT. No row is a patient; every number comes from the seeded
rule below (standard library only, so the file is the same on every machine and Python version).

Usage: python3 examples/demo-registry.py > examples/demo-registry.csv

The rule (seed 20260305, SplitMix64 uniforms u in (0, 1)):
- patients DEMO-R01 ... DEMO-R60; odd numbers glass microspheres, even numbers resin;
- age 45 + 35 u years (whole years); Ki-67 1 + 19 u^1.5 % (one decimal);
- mean tumour absorbed dose: glass 120 + 280 u Gy, resin 50 + 150 u Gy (whole Gy);
- objective response (1/0): u < 1 / (1 + exp(-(dose - 150) / 45));
- overall survival: exponential with hazard 0.022 exp(0.09 (Ki-67 - 5) - 0.9 response) per month;
  progression: exponential with 2.2 times that hazard; progression-free survival ends at the
  progression or the death, whichever comes first (`progression` = 1 for either, the PFS event);
- follow-up ends (censoring) at 12 + 48 u months; times in months with one decimal.
"""

import math

MASK = (1 << 64) - 1


class SplitMix64:
    """Steele, Lea & Flood, OOPSLA 2014; the reference constants."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        # 53 random bits, shifted into (0, 1): never exactly 0 or 1.
        return ((z >> 11) + 0.5) / float(1 << 53)


def main():
    rng = SplitMix64(20260305)
    print(
        "id,group,age,ki67,tumour_dose_gy,response,os_months,death,pfs_months,progression"
    )
    for k in range(1, 61):
        group = "glass" if k % 2 == 1 else "resin"
        age = int(45 + 35 * rng.next())
        ki67 = round(1 + 19 * rng.next() ** 1.5, 1)
        if group == "glass":
            dose = int(120 + 280 * rng.next())
        else:
            dose = int(50 + 150 * rng.next())
        response = 1 if rng.next() < 1 / (1 + math.exp(-(dose - 150) / 45)) else 0
        hazard = 0.022 * math.exp(0.09 * (ki67 - 5) - 0.9 * response)
        t_death = -math.log(rng.next()) / hazard
        t_prog = -math.log(rng.next()) / (2.2 * hazard)
        follow_up = 12 + 48 * rng.next()
        os_months = min(t_death, follow_up)
        death = 1 if t_death <= follow_up else 0
        t_pfs = min(t_prog, t_death)
        pfs = min(t_pfs, follow_up)
        progression = 1 if t_pfs <= follow_up else 0
        os_r = round(os_months, 1)
        pfs_r = min(round(pfs, 1), os_r)
        print(
            f"DEMO-R{k:02d},{group},{age},{ki67},{dose},{response},"
            f"{os_r},{death},{pfs_r},{progression}"
        )


if __name__ == "__main__":
    main()
