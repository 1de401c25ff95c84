"""The one compiled part of telreg: the scrub's byte loops (src/telreg/senders/scrub/_kernels.c).

Everything else is declared in pyproject.toml; setuptools reads both. Building needs a C compiler and the Python
headers (gcc and python3-dev on Debian), which `pip install` uses automatically.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "telreg.senders.scrub._kernels",
            sources=["src/telreg/senders/scrub/_kernels.c"],
            depends=["src/telreg/senders/scrub/_csvline.h", "src/telreg/senders/scrub/_isotime.h",
                     "src/telreg/senders/scrub/_instructions.h", "src/telreg/senders/scrub/_reasons.h",
                     "src/telreg/senders/scrub/_answer.h", "src/telreg/senders/scrub/_registers.h"],
            extra_compile_args=["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
        )
    ]
)
