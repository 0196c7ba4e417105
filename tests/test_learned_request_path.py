"""No scikit-learn on the request path: a fresh interpreter that imports the router and scores a request with a
stored learned router (topics, clusters and all) never imports scikit-learn, and scores what training did."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from learnkit import two_topic_outcomes

from router_core.learning.artifact import Artifact
from router_core.learning.training import train

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ["Quick question on prime numbers: limerick, part 9001", "Give me notes on a cover letter: limerick, part 9",
           "Give me notes on how tides work: sketch, part 12"]
SCRIPT = """
import json, sys
import router_core, router_core.router
from router_core.learning.artifact import Artifact
artifact = Artifact.from_json(open(sys.argv[1], encoding="utf-8").read())
scores = [artifact.predict(p, agent=a) for p, a in json.loads(sys.argv[2])]
print(json.dumps({"scores": scores, "loaded": sorted(m for m in sys.modules if m.split(".")[0] in
                  ("sklearn", "scipy", "numpy"))}))
"""


def test_scoring_a_stored_router_does_not_import_scikit_learn(tmp_path):
    data = train(two_topic_outcomes(agents=False, big=300, small=60))
    assert data["topics"]["clusters"]  # the plain-Python nearest-cluster rule is on the path too
    path = tmp_path / "artifact.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    asked = [(p, None) for p in PROMPTS] + [(PROMPTS[1], "support")]
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(path), json.dumps(asked)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert [m for m in got["loaded"] if m.startswith("sklearn")] == []
    artifact = Artifact.from_dict(data)
    assert got["scores"] == [artifact.predict(p, agent=a) for p, a in asked]
