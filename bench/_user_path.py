"""What every user-path benchmark does before it times a ``sbbatch`` process.

An installed package has its modules compiled to bytecode (``pip install`` writes the
``.pyc`` files; an editable install writes them at the first import). A shell with
``PYTHONDONTWRITEBYTECODE=1`` — this project's development machine has it — never writes
them, so every timed process would compile the sbbatch modules it imports from source again
(53 modules, ≈ 0.16 s, in ``sbbatch load persons``), which no user pays. The benchmarks
therefore compile the package once first; Python reads existing ``.pyc`` files whatever
that variable says.
"""

from __future__ import annotations

import compileall
from pathlib import Path

import sbbatch


def compile_package() -> None:
    """Write the bytecode of every sbbatch module, as an installed package has it."""
    compileall.compile_dir(Path(sbbatch.__file__).parent, quiet=1)
