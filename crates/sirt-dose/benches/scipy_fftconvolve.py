"""The peer of benches/dose.rs: scipy.signal.fftconvolve on the same array sizes (float64, 'same'),
timed with the same 2 cores. Run: python3 crates/sirt-dose/benches/scipy_fftconvolve.py"""
import os
import time

import numpy as np
import scipy
from scipy.signal import fftconvolve

k = np.fromfunction(lambda i, j, l: np.exp(-((i - 5) ** 2 + (j - 5) ** 2 + (l - 5) ** 2)), (11, 11, 11))
rng = np.random.default_rng(0)
for n in (128, 256):
    a = rng.random((n, n, n))
    fftconvolve(a, k, mode="same")
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        fftconvolve(a, k, mode="same")
        ts.append(time.perf_counter() - t)
    print(f"scipy {scipy.__version__} fftconvolve {n}^3 with 11^3: median {1000 * sorted(ts)[2]:.1f} ms (cores {os.cpu_count()})")
