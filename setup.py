"""Build of the optional C accelerator (``zedxl._scan``); everything else is in ``pyproject.toml``.

The extension is optional: where no C compiler is available (an office PC with Windows, say) the install goes on
without it and ``zedxl.intake`` uses its pure-Python scan, which gives the same results, slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("zedxl._scan", ["zedxl/_scan.c"], optional=True)])
