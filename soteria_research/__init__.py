"""Soteria research workbench.

Force case extracts and self-assessments in, disclosure-safe force reports and the
National Operating Model evidence base out. See the README for the two commands.
"""

__version__ = "0.1.0"
