"""The advisory settings: thresholds and the optional chat backend, read from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sidecar.errors import ConfigError

DEFAULT_MIN_CONFIDENCE = 0.5   # below it a message is `other` and needs a person
DEFAULT_ANOMALY_Z = 3.5        # Iglewicz and Hoaglin's cut-off for the modified z-score
DEFAULT_LLM_TIMEOUT = 8.0      # seconds before the local backend answers instead
DEFAULT_MODEL_DIR = Path("var/advisory-model")  # the fitted classifier and its manifest


@dataclass(frozen=True)
class AdvisoryConfig:
    """How advice is given; the chat backend is off unless its URL and model are set."""

    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    anomaly_z: float = DEFAULT_ANOMALY_Z
    llm_url: str = ""
    llm_model: str = ""
    llm_key: str = field(default="", repr=False)
    llm_timeout: float = DEFAULT_LLM_TIMEOUT
    model_dir: Path = DEFAULT_MODEL_DIR

    @property
    def llm_enabled(self) -> bool:
        """True when a chat backend is configured."""
        return bool(self.llm_url and self.llm_model)


def _fraction(env: dict, name: str, default: float, problems: list[str], upper: float | None = 1.0) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{name}: not a number: {raw!r}")
        return default
    if value <= 0 or (upper is not None and value > upper):
        problems.append(f"{name}: must be above 0" + (f" and at most {upper}" if upper is not None else ""))
    return value


def load_advisory(env: dict | None = None) -> AdvisoryConfig:
    """Read SIDECAR_ADVICE_* from `env` (default os.environ); ConfigError lists every problem."""
    env = dict(os.environ if env is None else env)
    problems: list[str] = []
    config = AdvisoryConfig(
        min_confidence=_fraction(env, "SIDECAR_ADVICE_MIN_CONFIDENCE", DEFAULT_MIN_CONFIDENCE, problems),
        anomaly_z=_fraction(env, "SIDECAR_ADVICE_ANOMALY_Z", DEFAULT_ANOMALY_Z, problems, upper=None),
        llm_url=(env.get("SIDECAR_ADVICE_LLM_URL") or "").rstrip("/"),
        llm_model=env.get("SIDECAR_ADVICE_LLM_MODEL") or "",
        llm_key=env.get("SIDECAR_ADVICE_LLM_KEY") or "",
        llm_timeout=_fraction(env, "SIDECAR_ADVICE_LLM_TIMEOUT", DEFAULT_LLM_TIMEOUT, problems, upper=None),
        model_dir=Path(env.get("SIDECAR_ADVICE_MODEL_DIR") or DEFAULT_MODEL_DIR),
    )
    if bool(config.llm_url) != bool(config.llm_model):
        problems.append("SIDECAR_ADVICE_LLM_URL and SIDECAR_ADVICE_LLM_MODEL: set both or neither")
    if problems:
        raise ConfigError(problems)
    return config
