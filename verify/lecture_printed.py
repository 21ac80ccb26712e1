"""What the QuantEcon Blume–Easley lecture prints, quoted verbatim: the source's numbers.

Checks compare the numerics with these (the lecture's own computation is an
independent route); the report quotes them.

Examples
--------
>>> LECTURE_PRINTED["fixed_beliefs"].values()["mix"]
0.921
>>> LECTURE_PRINTED["fixed_beliefs"].decimals("mix")
3
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Printed", "LECTURE_PRINTED", "LECTURE_FIXED_BELIEFS_PATHS"]

#: Paths behind the lecture's printed final shares (``N = 10000``, Sec. 23.9).
LECTURE_FIXED_BELIEFS_PATHS = 10_000


@dataclass(frozen=True)
class Printed:
    """Output the lecture prints, quoted line by line, and where it is printed."""

    where: str
    lines: tuple[str, ...]

    def values(self) -> dict[str, float]:
        """``{"f": 1.0, "KL(f,g)": 0.759, ...}`` parsed from the quoted lines."""
        out = {}
        for line in self.lines:
            for key, value in re.findall(r"(KL\([a-z],[a-z]\)|[a-z]+)\s*=\s*([0-9]+\.[0-9]+)",
                                         line):
                out[key] = float(value)
        return out

    def decimals(self, key: str) -> int:
        """Printed decimals of the value `key`."""
        for line in self.lines:
            m = re.search(re.escape(key) + r"\s*=\s*[0-9]+\.([0-9]+)", line)
            if m:
                return len(m.group(1))
        raise KeyError(key)


LECTURE_PRINTED = {
    "fixed_beliefs": Printed(
        "Sec. 23.9 (Simulations), output of the cell printing the final shares "
        "(f = Beta(1,1), g = Beta(3,1.2), h = 0.5 f + 0.5 g, N = 10000, T = 100)",
        ("Final shares: f=1.000, g=0.000, mix=0.921",
         "KL(f,g)=0.759, KL(g,f)=0.344",
         "KL(h,f)=0.073, KL(h,g)=0.281"),
    ),
    "close_far": Printed(
        "Sec. 23.9, output of the cell computing the KL values of the close and far "
        "pairs (h is still the mixture 0.5 f + 0.5 g of the first experiment)",
        ("KL divergences (close):",
         "KL(f,g)=0.003, KL(g,f)=0.003",
         "KL(h,f)=0.073, KL(h,g)=0.061",
         "KL divergences (far):",
         "KL(f,g)=0.759, KL(g,f)=0.344",
         "KL(h,f)=0.073, KL(h,g)=0.281"),
    ),
    "exercise_23_5": Printed(
        "Solution to Exercise 23.5, output of the KL cell "
        "(f = Beta(1,1), g = Beta(3,1.2), h = Beta(1.2,1.1))",
        ("KL(h,f) = 0.0092, KL(h,g) = 0.5514",
         "KL(f,h) = 0.0105, KL(g,h) = 0.2919"),
    ),
}
