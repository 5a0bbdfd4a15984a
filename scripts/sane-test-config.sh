#!/bin/sh
# Make a private SANE config directory that enables only SANE's "test" backend.
#
#   scripts/sane-test-config.sh DIR        # creates DIR/dll.conf and DIR/test.conf
#   export SANE_CONFIG_DIR=DIR             # then: scanimage -L / digitizer scan --list
#
# The test backend is a real SANE backend ("Noname frontend-tester virtual device"): modes
# Gray/Color, depth 1/8/16, 1..1200 ppi, Flatbed and "Automatic Document Feeder" (empty after
# 10 sheets), scan area up to 200 x 200 mm, test pictures ("Solid black", "Color pattern", "Grid").
set -eu
dir=${1:?usage: $0 DIR}
src=${SANE_SYSTEM_CONFIG:-/etc/sane.d}
mkdir -p "$dir"
echo test > "$dir/dll.conf"
if [ -f "$src/test.conf" ]; then
    cp "$src/test.conf" "$dir/test.conf"
else
    # defaults as shipped by sane-backends, in case the system file is missing
    printf 'number_of_devices 2\nmode Gray\nhand-scanner false\nthree-pass false\nresolution 50\ndepth 8\nsource Flatbed\ntest-picture "Solid black"\n' > "$dir/test.conf"
fi
echo "$dir"
