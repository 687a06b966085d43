"""Starting with the server unreachable: a desk that has a replica starts from it and logs in offline
with the cached Argon2 hash; without a replica the start-up error stands (tests/e2e/test_startup_errors.py)."""
from __future__ import annotations

import pytest

from app.auth import login
from app.clock import Clock
from app.errors import UserError
from app.main import open_core
from app.sync.desk import open_desk
from reception.launcher import main
from tests.app.sync.proxy import TcpProxy

pytestmark = pytest.mark.pg


def test_the_app_starts_from_the_replica_when_the_server_is_down(qapp, qtbot, pg_db, tmp_path, monkeypatch):
    data_dir = tmp_path / "userdata"
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(data_dir))
    proxy = TcpProxy.for_url(pg_db.url)
    url = proxy.url(pg_db.url)
    try:
        core, offline = open_desk(url, Clock(), data_dir, open_core=open_core)   # an earlier day online
        qtbot.waitUntil(lambda: offline.routing.replica_ready and core.connectivity.data_as_of is not None,
                        timeout=10_000)
        offline.stop()
        core.engine.dispose()
        proxy.reset()                                   # the server is gone this morning

        seen = {}

        def ask(core, hint="", username=""):
            seen["online"] = core.connectivity.online
            seen["as_of"] = core.connectivity.data_as_of
            seen["actor"] = login(core, "recep", "hemligt")
            with pytest.raises(UserError):
                login(core, "recep", "fel lösenord")
            return None                                 # the receptionist closes the log-in window
        monkeypatch.setattr("widgets.login.LoginDialog.ask", staticmethod(ask))
        shown = []
        code = main(["--db", url], show_error=lambda title, message: shown.append(message))
        assert code == 0 and shown == []
        assert seen["online"] is False and seen["as_of"] is not None
        assert seen["actor"].username == "recep"
    finally:
        proxy.close()
