"""Tests of batch report runs, the evidence base and the HTML reports."""
