#!/usr/bin/env bash
# The imaging benchmarks of issue 3 and their peers, one after the other in one run, so that the
# ratios compare figures measured in the same period on the same machine:
#   1. loading a 512 x 512 x 300 CT series: sirt-dicom (criterion, benches/load_series.rs) vs
#      SimpleITK ImageSeriesReader and pydicom + numpy (benches/peer_load_series.py), same files;
#   2. rasterising every ROI of the sample RT Struct (benches/rasterize.rs) vs
#      `plastimatch convert` on the same structure set and grids;
#   3. resampling a 512 x 512 x 300 CT onto a 4 mm SPECT grid (sirt-geometry benches/resample.rs)
#      vs SimpleITK ResampleImageFilter (sirt-geometry benches/peer_resample.py).
#
# Usage: crates/sirt-dicom/benches/run_imaging_benches.sh [PHANTOM_DIR]
#   PHANTOM_DIR (default /tmp/phl) holds `sirtplan phantom --preset large` output; the CT series is
#   PHANTOM_DIR/dicom/ct (written first when absent).
# Before measuring, the script waits until the 1-minute load average is below
# SIRTPLAN_BENCH_MAX_LOAD (default 0.7), polling every 15 s for at most SIRTPLAN_BENCH_MAX_WAIT
# seconds (default 600), and prints the load average with every figure. Needs python3 with
# SimpleITK, pydicom and numpy, and plastimatch (Debian package) for part 2.
set -euo pipefail
cd "$(dirname "$0")/../../.."

PHANTOM=${1:-/tmp/phl}
CT="$PHANTOM/dicom/ct"
MAX_LOAD=${SIRTPLAN_BENCH_MAX_LOAD:-0.7}
MAX_WAIT=${SIRTPLAN_BENCH_MAX_WAIT:-600}
TARGET=${CARGO_TARGET_DIR:-target}
SAMPLES=crates/sirt-dicom/tests/data/dicompyler

load() { cut -d' ' -f1-3 /proc/loadavg; }

# Waits for the 1-minute load average to fall below MAX_LOAD (other work on the machine).
wait_quiet() {
  local waited=0
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }'; do
    if [ "$waited" -ge "$MAX_WAIT" ]; then
      echo "warning: load average still $(load) after ${MAX_WAIT} s; measuring anyway"
      return
    fi
    sleep 15
    waited=$((waited + 15))
  done
  echo "(waited ${waited} s for load average < ${MAX_LOAD})"
}

# Median of a criterion benchmark, in ms, from its estimates.
median_ms() {
  python3 -c 'import json, sys; m = json.load(open(sys.argv[1]))["median"]["point_estimate"]; print(f"{m / 1e6:.1f}")' \
    "$TARGET/criterion/$1/new/estimates.json"
}

# Wall time of a command (median of N runs after one warm-up run; OUT is emptied before each).
time_command() {
  python3 - "$@" <<'EOF'
import shutil, subprocess, sys, time
label, n, out, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
def run():
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
run()
ts = sorted(run() for _ in range(n))
print(f"{label}: median {1000 * ts[n // 2]:.0f} ms (min {1000 * ts[0]:.0f}) over {n} runs")
EOF
}

if [ ! -d "$CT" ]; then
  cargo run --release -q -p sirt-cli -- phantom --out "$PHANTOM" --preset large
fi
echo "== build"
cargo bench -q -p sirt-dicom --bench load_series --bench rasterize --no-run 2>&1 | grep -v '^ *Executable' || true
cargo bench -q -p sirt-geometry --bench resample --no-run 2>&1 | grep -v '^ *Executable' || true

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(rustc -V)"
python3 -c 'import SimpleITK, pydicom, numpy; print(f"   SimpleITK {SimpleITK.Version.VersionString()}, pydicom {pydicom.__version__}, numpy {numpy.__version__}")'
command -v plastimatch >/dev/null && echo "   $(plastimatch --version 2>&1 | head -1)"

echo
echo "== 1. load the CT series $CT ($(ls "$CT" | wc -l) files)"
wait_quiet
echo "load average before: $(load)"
SIRTPLAN_BENCH_CT="$CT" cargo bench -q -p sirt-dicom --bench load_series 2>&1 | grep -E 'time:|^load' || true
ours_load=$(median_ms load/ct_series_512x512x300)
peers=$(python3 crates/sirt-dicom/benches/peer_load_series.py "$CT")
echo "$peers"
echo "load average after: $(load)"
sitk_load=$(echo "$peers" | sed -n 's/^SimpleITK.*median \([0-9.]*\) ms.*/\1/p')
pyd_load=$(echo "$peers" | sed -n 's/^pydicom.*median \([0-9.]*\) ms.*/\1/p')

echo
echo "== 2. rasterise every ROI of $SAMPLES/rtss.dcm"
wait_quiet
echo "load average before: $(load)"
cargo bench -q -p sirt-dicom --bench rasterize 2>&1 | grep -E 'time:|^rasterize|voxels' || true
r_dose=$(median_ms rasterize_all_rois/dose_grid_194x129x98)
r_ct=$(median_ms rasterize_all_rois/ct_grid_512x512x98)
r_read_dose=$(median_ms rasterize_all_rois/read_rtss_and_dose_grid_194x129x98)
r_read_ct=$(median_ms rasterize_all_rois/read_rtss_and_ct_grid_512x512x98)
PM_OUT=$(mktemp -d)
CT_GRID=(--origin "-275 -524 -122.4407" --spacing "1.074219 1.074219 3" --dim "512 512 98")
pm_dose=$(time_command "plastimatch convert --fixed rtdose.dcm --output-prefix (dose grid)" 5 "$PM_OUT/p" \
  plastimatch convert --input "$SAMPLES/rtss.dcm" --fixed "$SAMPLES/rtdose.dcm" --output-prefix "$PM_OUT/p")
echo "$pm_dose"
pm_ct=$(time_command "plastimatch convert --output-prefix (CT grid 512x512x98)" 5 "$PM_OUT/p" \
  plastimatch convert --input "$SAMPLES/rtss.dcm" "${CT_GRID[@]}" --output-prefix "$PM_OUT/p")
echo "$pm_ct"
pm_ss=$(time_command "plastimatch convert --output-ss-img (CT grid, one compressed file)" 5 "$PM_OUT/s" \
  plastimatch convert --input "$SAMPLES/rtss.dcm" "${CT_GRID[@]}" --output-ss-img "$PM_OUT/s/ss.nrrd")
echo "$pm_ss"
pm_list=$(time_command "plastimatch convert --output-ss-list only (reads, no masks written)" 5 "$PM_OUT/l" \
  plastimatch convert --input "$SAMPLES/rtss.dcm" "${CT_GRID[@]}" --output-ss-list "$PM_OUT/l/ss.txt")
echo "$pm_list"
rm -rf "$PM_OUT"
echo "load average after: $(load)"
ms() { echo "$1" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }

echo
echo "== 3. resample 512 x 512 x 300 onto a 4 mm grid"
wait_quiet
echo "load average before: $(load)"
cargo bench -q -p sirt-geometry --bench resample -- resample_linear 2>&1 | grep -E 'time:|^resample' || true
ours_rs=$(median_ms resample_linear_ct_512x512x300_to_spect_4mm)
sitk_rs_line=$(python3 crates/sirt-geometry/benches/peer_resample.py 21)
echo "$sitk_rs_line"
sitk_rs=$(ms "$sitk_rs_line")
echo "load average after: $(load)"

ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
echo
echo "== summary (medians; ratio = peer time / our time, above 1 = we are faster)"
echo "load CT 512x512x300:   sirt-dicom ${ours_load} ms | SimpleITK ${sitk_load} ms ($(ratio "$sitk_load" "$ours_load")x) | pydicom+numpy ${pyd_load} ms ($(ratio "$pyd_load" "$ours_load")x)"
echo "rasterise all ROIs:    ours in memory: dose grid ${r_dose} ms, CT grid ${r_ct} ms; reading the RT Struct too: dose grid ${r_read_dose} ms, CT grid ${r_read_ct} ms"
echo "                       plastimatch (whole process): dose grid --output-prefix $(ms "$pm_dose") ms ($(ratio "$(ms "$pm_dose")" "$r_read_dose")x ours with reading);"
echo "                       CT grid --output-prefix $(ms "$pm_ct") ms ($(ratio "$(ms "$pm_ct")" "$r_read_ct")x), --output-ss-img $(ms "$pm_ss") ms ($(ratio "$(ms "$pm_ss")" "$r_read_ct")x), reading only (--output-ss-list) $(ms "$pm_list") ms"
echo "resample to 4 mm:      sirt-geometry ${ours_rs} ms | SimpleITK ${sitk_rs} ms ($(ratio "$sitk_rs" "$ours_rs")x)"
echo "load average at end:   $(load)"
