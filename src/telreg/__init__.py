"""telreg: number governance for a telecom regulator and its network operators."""

__version__ = "0.1.0"
