import json
import threading
import urllib.request

import pytest

from hello_world import main

# The server under test is local: no proxy from the environment applies (Debian's build sets
# http_proxy to an unreachable address to keep tests offline).
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture()
def server():
    srv = main.make_server(main.settings(["--port", "0", "--greeting", "Hi there"], environ={}))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def test_greeting(server):
    with OPENER.open(server + "/") as response:
        assert response.status == 200
        assert response.read() == b"Hi there\n"


def test_health(server):
    with OPENER.open(server + "/health") as response:
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.read())["status"] == "ok"


def test_unknown_path_is_404(server):
    with pytest.raises(urllib.error.HTTPError) as exc:
        OPENER.open(server + "/nope")
    assert exc.value.code == 404


def test_settings_from_environment_and_options():
    options = main.settings([], environ={"HELLO_WORLD_BIND": "0.0.0.0", "HELLO_WORLD_PORT": "9000"})
    assert (options.bind, options.port) == ("0.0.0.0", 9000)
    assert main.settings(["--port", "9100"], environ={"HELLO_WORLD_PORT": "9000"}).port == 9100
