"""How much evidence learning needs (imported by the training, the workspace and the pages without scikit-learn)."""

MIN_OUTCOMES = 30  # fewer: nothing to learn from (learn exits 2, nothing stored)
MIN_POLICY_OUTCOMES = 200  # fewer: no learned policy (the probe saw no reliable gain below about 200 outcomes)
