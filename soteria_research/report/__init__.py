"""Published outputs: HTML reports, the evidence base and the landing page.

:mod:`.html` renders an executed notebook as a standalone report without code,
:mod:`.evidence` saves, gathers and publishes findings (the National Operating Model
evidence base), :mod:`.index` writes ``reports/index.html`` and :mod:`.files` makes every
write atomic. Nothing heavy is imported until it is used.
"""
