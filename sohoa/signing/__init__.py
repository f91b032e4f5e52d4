"""Signing sohoa's copies and checking the signatures of incoming PDFs, with pyHanko."""

import warnings

# pyHanko imports cryptography's DSA support, which cryptography deprecates; sohoa never signs
# or accepts DSA, and the warning would otherwise reach every command's output.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")
