"""vidswap client app: a Flet (Flutter from Python) front end to the vidswap REST API."""
