#!/usr/bin/env bash
# Crypto benchmarks (run by scripts/bench with QOIMA_BUILD=build/release):
#  - streaming AEAD (AES-256-GCM, 64 KiB chunks, 1 MiB input blocks, one core)
#    against `openssl speed -evp aes-256-gcm -bytes 1048576` in the same run;
#    the ratio goal is >= 0.8. Both sides divide by CPU time of the one thread
#    (openssl speed's default is user CPU time), so other load on the shared
#    machine does not skew the ratio;
#  - keyring open (unseal + load signing key) and sign latency on a swtpm.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${QOIMA_BUILD:-build/release}
bin=$build/tests/crypto/crypto_bench
if [ ! -x "$bin" ]; then
  echo "crypto bench: $bin is missing (cmake --build --preset release --target crypto_bench)" >&2
  exit 1
fi
secs=${QOIMA_BENCH_SECONDS:-3}

ours=$(taskset -c 0 "$bin" aead "$secs")
seal=$(awk '/^seal_MBps/ {print $2}' <<<"$ours")
open=$(awk '/^open_MBps/ {print $2}' <<<"$ours")
# openssl speed prints thousands of bytes per second, e.g. "AES-256-GCM 4407764.11k".
base=$(taskset -c 0 openssl speed -evp aes-256-gcm -bytes 1048576 -seconds "$secs" 2>/dev/null |
  awk '/^AES-256-GCM/ {v=$2; sub(/k$/, "", v); printf "%.1f", v / 1000}')
if [ -z "$base" ]; then
  echo "crypto bench: could not parse openssl speed output" >&2
  exit 1
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "aead seal       ${seal} MB/s   openssl speed ${base} MB/s   ratio $(ratio "$seal" "$base") (goal >= 0.8)"
echo "aead open       ${open} MB/s   openssl speed ${base} MB/s   ratio $(ratio "$open" "$base") (goal >= 0.8)"

tpm=$("$bin" tpm "${QOIMA_BENCH_TPM_RUNS:-20}")
echo "keyring open    $(awk '/^open_ms/ {print $2}' <<<"$tpm") ms median (swtpm: unseal under PCR policy + load signing key)"
echo "tpm sign        $(awk '/^sign_ms/ {print $2}' <<<"$tpm") ms median (swtpm: ECDSA P-256 inside the TPM)"
