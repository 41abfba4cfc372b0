"""The module that `flet build` runs: it starts the client's ``main`` with ``ft.run``.

`flet build` packages the folder in ``[tool.flet.app] path`` and runs one top-level
module of it, so the ``vidswap_app`` package needs this small launcher beside it.
"""

import flet as ft

from vidswap_app.main import main

ft.run(main)
