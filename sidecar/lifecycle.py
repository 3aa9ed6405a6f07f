"""A document's lifecycle as data: named states, the transitions allowed between them, tiny checks.

A `Lifecycle` holds no storage and talks to nothing: a store module keeps the current state and its
history, a flow decides when to move. Moving along a transition the table does not list is a 409
naming the state and the transitions it allows, so a client learns what it may do next.
"""
from __future__ import annotations

from dataclasses import dataclass

from sidecar.errors import Conflict


@dataclass(frozen=True)
class Lifecycle:
    """States (value, label) in order, the allowed transitions from each, and the terminal ones."""

    name: str                                    # what a message calls the thing: "price change"
    states: tuple[tuple[str, str], ...]          # (value, label), in lifecycle order
    transitions: dict[str, tuple[str, ...]]      # state -> states it may move to

    def __post_init__(self):
        known = {value for value, _label in self.states}
        for source, targets in self.transitions.items():
            unknown = ({source, *targets} - known)
            if unknown:
                raise ValueError(f"{self.name}: unknown states {sorted(unknown)}")

    @property
    def values(self) -> tuple[str, ...]:
        """Every state's value, in order."""
        return tuple(value for value, _label in self.states)

    def label(self, state: str) -> str:
        """A state's label."""
        return dict(self.states).get(state, state)

    def allowed(self, state: str) -> tuple[str, ...]:
        """The states `state` may move to (none for a terminal state)."""
        return self.transitions.get(state, ())

    def is_terminal(self, state: str) -> bool:
        """True when nothing follows `state`."""
        return not self.allowed(state)

    def can(self, state: str, target: str) -> bool:
        """True when the table allows `state` -> `target`."""
        return target in self.allowed(state)

    def check(self, state: str, target: str, subject: str = "") -> None:
        """409 `invalid_transition` naming the state and the allowed transitions when `state` -> `target` is not one."""
        if self.can(state, target):
            return
        allowed = list(self.allowed(state))
        what = f"{self.name} {subject}".strip()
        raise Conflict(f"{what} is {state}: it cannot become {target} "
                       f"({'allowed: ' + ', '.join(allowed) if allowed else 'no transition: it is final'})",
                       code="invalid_transition",
                       details=[{"state": state, "requested": target, "allowed": allowed}])

    def path(self, state: str, target: str) -> list[str] | None:
        """The shortest chain of states after `state` that ends at `target` (None when unreachable)."""
        frontier, seen = [[state]], {state}
        while frontier:
            chain = frontier.pop(0)
            for following in self.allowed(chain[-1]):
                if following == target:
                    return chain[1:] + [target]
                if following not in seen:
                    seen.add(following)
                    frontier.append(chain + [following])
        return None
