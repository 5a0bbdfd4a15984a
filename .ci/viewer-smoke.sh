#!/usr/bin/env bash
# Real-viewer check of digitizer's IIIF output: export a real two-page item (level-0 tiles, info.json,
# Presentation 3 manifest with line annotations), serve it on 127.0.0.1 only, open it in Mirador 4
# inside Debian's headless Chromium (Playwright driver, executable_path, no browser download) and
# assert that tiles of OUR info.json were fetched and the canvas is not blank.  Also measures the
# same package with relative ids (the "relative vs absolute" decision, see docs/packages.md).
# Usage: .ci/viewer-smoke.sh [WORKDIR]      Exit 0 = PASS.  Installs what it needs (apt chromium,
# pip playwright into .venv, npm mirador@4.0.0 with --ignore-scripts).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/digitizer-viewer-smoke}; PORT=${PORT:-8777}; BASE="http://127.0.0.1:$PORT"
PY="$ROOT/.venv/bin/python"; [ -x "$PY" ] || PY=python3
NPM=${NPM_DIR:-/tmp/digitizer-viewer-npm}   # kept between runs
mkdir -p "$W" "$NPM"
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else echo "viewer-smoke: chromium missing (apt-get install -y chromium)" >&2; exit 2; fi
fi
"$PY" -c "import playwright" 2>/dev/null || "$PY" -m pip install -q playwright
if [ ! -f "$NPM/node_modules/mirador/dist/mirador.min.js" ]; then
  (cd "$NPM" && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund mirador@4.0.0 >/dev/null)
fi
rm -rf "$W/site" "$W/proj"
# 1. a real item exported with our code (ids under BASE)
"$PY" - "$ROOT" "$W" "$BASE" <<'PY'
import json, shutil, sys
from pathlib import Path
root, w, base = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
sys.path.insert(0, str(root / "tests"))
from _packages_helpers import make_project
from digitizer.pipeline.export import export_project
store = make_project(w)
export_project(store, w / "site", formats=["alto", "mets", "iiif"], base_url=base)
store.close()
# the relative-id variant of the same package (the measurement)
item = w / "site" / "kant-1784"
rel = w / "site" / "rel"
shutil.copytree(item, rel)
prefix = f"{base}/kant-1784/"
for p in [rel / "manifest.json", *rel.glob("iiif/*/info.json")]:
    p.write_text(p.read_text().replace(prefix, "" if p.name == "manifest.json" else "../../"))
PY
cp "$NPM/node_modules/mirador/dist/mirador.min.js" "$W/site/"
for v in abs rel; do
  m=$([ $v = abs ] && echo "$BASE/kant-1784/manifest.json" || echo "rel/manifest.json")
  cat > "$W/site/mirador-$v.html" <<HTML
<!DOCTYPE html><html><head><meta charset="utf-8"><title>digitizer Mirador check</title>
<style>html,body{margin:0;height:100%} #viewer{position:absolute;inset:0}</style></head>
<body><div id="viewer"></div><script src="mirador.min.js"></script><script>
Mirador.viewer({id:'viewer', windows:[{manifestId:'$m', thumbnailNavigationPosition:'far-bottom'}],
  window:{allowClose:false, sideBarOpen:false}, workspaceControlPanel:{enabled:false}});
</script></body></html>
HTML
done
# 2. serve on loopback only, run the browser, stop the server
(cd "$W/site" && exec "$PY" -m http.server "$PORT" --bind 127.0.0.1 >"$W/http.log" 2>&1) & SRV=$!
trap 'kill $SRV 2>/dev/null' EXIT
sleep 1
"$PY" - "$BASE" "$W" <<'PY'
import json, shutil, sys, time
from playwright.sync_api import sync_playwright
base, w = sys.argv[1], sys.argv[2]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-dev-shm-usage"]
results = {}
with sync_playwright() as p:
    b = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=ARGS)
    for v in ("abs", "rel"):
        pg = b.new_page(viewport={"width": 1280, "height": 900})
        # OSD's image loads do not all show up as Playwright request events: count on the server side
        log = open(f"{w}/http.log").read().splitlines()
        start = len(log)
        t0 = time.time()
        pg.goto(f"{base}/mirador-{v}.html", wait_until="networkidle")
        for _ in range(30):
            reqs = [ln.split('"')[1].split()[1] + " " + ln.split('"')[2].split()[0]
                    for ln in open(f"{w}/http.log").read().splitlines()[start:] if '"GET ' in ln]
            if any("/iiif/0001/" in r and "default.jpg 200" in r for r in reqs) or \
                    any("info.json 404" in r for r in reqs):
                break
            time.sleep(0.5)
        time.sleep(2)
        reqs = [ln.split('"')[1].split()[1] + " " + ln.split('"')[2].split()[0]
                for ln in open(f"{w}/http.log").read().splitlines()[start:] if '"GET ' in ln]
        tiles = [r for r in reqs if "/iiif/" in r and "default.jpg 200" in r]
        fails = [r for r in reqs if not r.endswith((" 200", " 304")) and "favicon" not in r]
        stats = pg.evaluate("""() => { let best=0; for (const c of document.querySelectorAll('canvas')) { try {
            const d=c.getContext('2d').getImageData(0,0,c.width,c.height).data; let n=0;
            for (let i=0;i<d.length;i+=4*97) if (d[i+3]>0 && (d[i]+d[i+1]+d[i+2])>60) n++; best=Math.max(best,n);
            } catch(e){} } return best; }""")
        pg.screenshot(path=f"{w}/shot_mirador_{v}.png")
        results[v] = {"tiles": len(tiles), "info_json": sum("info.json 200" in r for r in reqs),
                      "failed": len(fails), "nonblank": stats, "seconds": round(time.time() - t0, 1)}
        pg.close()
    b.close()
print(json.dumps(results))
ok = results["abs"]["tiles"] > 0 and results["abs"]["nonblank"] > 100 and results["abs"]["info_json"] > 0
print(f"mirador absolute ids: {'PASS' if ok else 'FAIL'} {results['abs']}")
print(f"mirador relative ids (measurement only): {results['rel']}")
sys.exit(0 if ok else 1)
PY
