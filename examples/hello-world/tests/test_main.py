import json
import threading
import urllib.request

import pytest

from hello_world import main


@pytest.fixture()
def server():
    srv = main.make_server(main.settings(["--port", "0", "--greeting", "Hi there"], environ={}))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def test_greeting(server):
    with urllib.request.urlopen(server + "/") as response:
        assert response.status == 200
        assert response.read() == b"Hi there\n"


def test_health(server):
    with urllib.request.urlopen(server + "/health") as response:
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.read())["status"] == "ok"


def test_unknown_path_is_404(server):
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(server + "/nope")
    assert exc.value.code == 404


def test_settings_from_environment_and_options():
    options = main.settings([], environ={"HELLO_WORLD_BIND": "0.0.0.0", "HELLO_WORLD_PORT": "9000"})
    assert (options.bind, options.port) == ("0.0.0.0", 9000)
    assert main.settings(["--port", "9100"], environ={"HELLO_WORLD_PORT": "9000"}).port == 9100
