#!/usr/bin/env bash
# Issue 4 benchmarks with their peers, in one run on one machine:
#   DVK convolution 128³ and 256³ (criterion, benches/dose.rs) vs scipy.signal.fftconvolve
#   (benches/scipy_fftconvolve.py, float64 and float32); DVH of 10 structures on 512×512×300;
#   end to end `sirtplan plan` on the demo phantom (crates/sirt-cli/benches/plan_phantom.rs).
# Usage: crates/sirt-voxel-dosimetry/benches/run_dose_benches.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo bench -p sirt-voxel-dosimetry --bench dose --no-run >/dev/null 2>&1
cargo bench -p sirt-cli --bench plan_phantom --no-run >/dev/null 2>&1
for _ in $(seq 60); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  awk -v l="$load" 'BEGIN { exit !(l < 0.7) }' && break
  sleep 10
done
echo "load average at start: $(cat /proc/loadavg)"
cargo bench -p sirt-voxel-dosimetry --bench dose 2>&1 | grep -E "^(dvk|dvh)|time:"
python3 crates/sirt-voxel-dosimetry/benches/scipy_fftconvolve.py
cargo bench -p sirt-cli --bench plan_phantom 2>&1 | grep -E "^end_to_end|time:"
echo "load average at end: $(cat /proc/loadavg)"
