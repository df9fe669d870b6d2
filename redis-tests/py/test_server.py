"""Connection and server commands through redis-py (RESP2): PING ... CONFIG, AUTH, CLIENT, INFO."""

import time

import pytest
import redis

import harness

ResponseError = redis.exceptions.ResponseError

# Every command of issue 2; COMMAND LIST / COMMAND INFO must know all of them.
ISSUE_COMMANDS = """get set setnx setex psetex getset getdel getex mget mset msetnx incr decr incrby
decrby incrbyfloat append strlen getrange setrange del unlink exists touch type expire pexpire
expireat pexpireat ttl pttl expiretime pexpiretime persist rename renamenx keys scan dbsize
randomkey flushdb flushall ping echo quit select hello auth client command info time lastsave save
bgsave shutdown config""".split()


def pairs(flat):
    """A RESP2 flattened map (list of k, v, k, v) as a dict."""
    return dict(zip(flat[0::2], flat[1::2]))


# --- PING / ECHO / SELECT / QUIT ----------------------------------------------------------------


def test_ping_echo(r, raw):
    assert r.ping() is True
    assert raw.call_raw("PING") == b"+PONG\r\n"
    assert raw.call_raw("PING", "hello") == b"$5\r\nhello\r\n"
    assert r.echo("hi there") == b"hi there"
    assert r.echo(b"\x00\xff") == b"\x00\xff"
    with pytest.raises(ResponseError, match="^wrong number of arguments for 'ping' command$"):
        r.execute_command("PING", "a", "b")
    with pytest.raises(ResponseError, match="^wrong number of arguments for 'echo' command$"):
        r.execute_command("ECHO")


def test_select_zero(r, raw):
    assert raw.call_raw("SELECT", "0") == b"+OK\r\n"
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("SELECT", "x")


def test_select_nonzero(raw):
    assert raw.call_raw("SELECT", "1") == b"+OK\r\n"
    assert raw.call_raw("SELECT", "15") == b"+OK\r\n"
    assert raw.call_raw("SELECT", "16") == b"-ERR DB index is out of range\r\n"
    assert raw.call_raw("SELECT", "-1") == b"-ERR DB index is out of range\r\n"
    assert raw.call_raw("SELECT", "x") == b"-ERR value is not an integer or out of range\r\n"


def test_databases_are_separate(server):
    # A redis://host/N URL: redis-py sends SELECT N when it connects.
    r0 = redis.Redis(host=harness.HOST, port=server.port, db=0)
    r3 = redis.Redis(host=harness.HOST, port=server.port, db=3)
    try:
        r0.flushall()
        r0.set("k", "zero")
        r3.set("k", "three")
        r3.set("only3", "x", ex=100)
        assert r0.get("k") == b"zero"
        assert r3.get("k") == b"three"
        assert r0.exists("only3") == 0
        assert r0.dbsize() == 1
        assert r3.dbsize() == 2
        assert sorted(r3.keys("*")) == [b"k", b"only3"]
        info = r0.info("keyspace")
        assert info["db0"]["keys"] == 1
        assert info["db3"]["keys"] == 2 and info["db3"]["expires"] == 1
        r3.flushdb()
        assert r3.dbsize() == 0
        assert r0.get("k") == b"zero"
        r3.set("again", "1")
        r0.flushall()
        assert r3.dbsize() == 0
    finally:
        r0.close()
        r3.close()


def test_quit_closes(server):
    with harness.RespConnection(harness.HOST, server.port) as c:
        assert c.call_raw("QUIT") == b"+OK\r\n"
        assert c.is_closed_by_peer()


def test_unknown_command(r, raw):
    assert raw.call_raw("FOOBAR", "a", "b") == (
        b"-ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' \r\n")
    assert raw.call_raw("NOPE") == b"-ERR unknown command 'NOPE', with args beginning with: \r\n"
    assert raw.call_raw("PING") == b"+PONG\r\n"  # the connection stays usable


# --- HELLO --------------------------------------------------------------------------------------


def test_hello_2(r, server):
    reply = pairs(r.execute_command("HELLO", "2"))
    assert set(reply) >= {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"}
    assert reply[b"proto"] == 2
    major = int(reply[b"version"].split(b".")[0])
    assert major >= 7
    assert isinstance(reply[b"id"], int)
    assert reply[b"id"] == r.client_id()
    assert reply[b"role"] == b"master"
    assert reply[b"mode"] in (b"standalone", b"cluster")
    assert reply[b"modules"] == []


def test_hello_no_args_and_options(client_factory):
    c = client_factory()
    reply = pairs(c.execute_command("HELLO"))
    assert reply[b"proto"] == 2
    reply = pairs(c.execute_command("HELLO", "2", "SETNAME", "hello-name"))
    assert reply[b"proto"] == 2
    assert c.client_getname() in ("hello-name", b"hello-name")


def test_hello_errors(raw):
    assert raw.call_raw("HELLO", "4") == b"-NOPROTO unsupported protocol version\r\n"
    assert raw.call_raw("HELLO", "1") == b"-NOPROTO unsupported protocol version\r\n"
    assert raw.call_raw("HELLO", "x") == (
        b"-ERR Protocol version is not an integer or out of range\r\n")
    assert raw.call_raw("HELLO", "2", "BOGUS") == b"-ERR Syntax error in HELLO option 'BOGUS'\r\n"
    assert raw.call_raw("PING") == b"+PONG\r\n"


# --- AUTH with requirepass ----------------------------------------------------------------------


def test_auth_without_password_configured(raw):
    assert raw.call_raw("AUTH", "x") == (
        b"-ERR AUTH <password> called without any password configured for the default user. "
        b"Are you sure your configuration is correct?\r\n")


def test_requirepass(own_server):
    s = own_server(["--requirepass", "s3cret"])
    with harness.RespConnection(harness.HOST, s.port) as c:
        assert c.call_raw("GET", "a") == b"-NOAUTH Authentication required.\r\n"
        assert c.call_raw("PING") == b"-NOAUTH Authentication required.\r\n"
        assert c.call_raw("AUTH", "wrong") == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        assert c.call_raw("AUTH", "other", "s3cret") == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        assert c.call_raw("SET", "a", "1") == b"-NOAUTH Authentication required.\r\n"
        assert c.call_raw("AUTH", "s3cret") == b"+OK\r\n"
        assert c.call_raw("SET", "a", "1") == b"+OK\r\n"
        assert c.call_raw("AUTH", "default", "s3cret") == b"+OK\r\n"
        assert c.call_raw("GET", "a") == b"$1\r\n1\r\n"
    with harness.RespConnection(harness.HOST, s.port) as c:
        assert c.call_raw("HELLO", "3") == (
            b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            b"HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            b"the RESP protocol version at the same time\r\n")
        assert c.call_raw("HELLO", "2", "AUTH", "default", "bad") == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        reply = c.call("HELLO", "2", "AUTH", "default", "s3cret", "SETNAME", "n1")
        assert pairs(reply)[b"proto"] == 2
        assert c.call("CLIENT", "GETNAME") == b"n1"
        assert c.call("GET", "a") == b"1"
    with harness.RespConnection(harness.HOST, s.port) as c:
        assert c.call_raw("QUIT") == b"+OK\r\n"  # allowed before AUTH
    # redis-py with a password works; without, it gets AuthenticationError.
    good = redis.Redis(host=harness.HOST, port=s.port, password="s3cret")
    assert good.get("a") == b"1"
    good.close()
    bad = redis.Redis(host=harness.HOST, port=s.port)
    with pytest.raises(redis.exceptions.AuthenticationError):
        bad.get("a")
    bad.close()


# --- CLIENT -------------------------------------------------------------------------------------


def test_client_id_name(client_factory):
    a, b = client_factory(), client_factory()
    ida, idb = a.client_id(), b.client_id()
    assert isinstance(ida, int) and ida != idb
    assert a.client_id() == ida  # stable on one connection
    assert a.client_getname() is None
    assert a.client_setname("alpha") is True
    assert a.client_getname() in ("alpha", b"alpha")
    with pytest.raises(ResponseError, match="^Client names cannot contain spaces, newlines or "
                                            "special characters.$"):
        a.client_setname("has space")
    assert a.execute_command("CLIENT", "SETNAME", "") == b"OK"
    assert a.client_getname() is None  # empty name clears it


def test_client_list_info(client_factory):
    a = client_factory()
    a.client_setname("lister")
    my_id = a.client_id()
    clients = a.client_list()
    mine = [c for c in clients if int(c["id"]) == my_id]
    assert len(mine) == 1
    assert mine[0]["name"] == "lister"
    assert mine[0]["addr"].startswith("127.0.0.1:")
    assert "cmd" in mine[0] and "age" in mine[0] and "db" in mine[0]
    info = a.client_info()
    assert int(info["id"]) == my_id
    assert info["name"] == "lister"
    assert info["addr"] == mine[0]["addr"]
    ids = [int(c["id"]) for c in a.client_list(client_id=[str(my_id)])]
    assert ids == [my_id]


def test_client_kill(server, client_factory):
    killer = client_factory()
    with harness.RespConnection(harness.HOST, server.port) as victim:
        vid = victim.call("CLIENT", "ID")
        assert killer.client_kill_filter(_id=vid) == 1
        assert victim.is_closed_by_peer()
    with harness.RespConnection(harness.HOST, server.port) as victim:
        addr = victim.call("CLIENT", "INFO").split(b" ")[1].split(b"=", 1)[1].decode()
        assert killer.client_kill(addr) is True
        assert victim.is_closed_by_peer()
    assert killer.client_kill_filter(_id=999999999) == 0
    with pytest.raises(ResponseError, match="^No such client$"):
        killer.client_kill("1.2.3.4:5")
    assert killer.ping()


@pytest.mark.ringkv_only
def test_client_setinfo(raw):
    # CLIENT SETINFO is Redis 7.2; Debian's 7.0.15 reference does not have it.
    assert raw.call_raw("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"+OK\r\n"
    assert raw.call_raw("CLIENT", "SETINFO", "LIB-VER", "4.3.4") == b"+OK\r\n"


# --- COMMAND ------------------------------------------------------------------------------------


def test_command_count_list(r):
    count = r.command_count()
    names = {n.decode().lower() for n in r.command_list()}
    # COMMAND LIST also names subcommands as "parent|sub"; COMMAND COUNT counts only top level.
    assert count == len([n for n in names if "|" not in n])
    missing = set(ISSUE_COMMANDS) - names
    assert not missing, "COMMAND LIST lacks %s" % sorted(missing)


def test_command_info(r):
    info = r.execute_command("COMMAND", "INFO", "get", "set", "mset", "del")
    # redis-py's COMMAND callback makes a dict by name.
    assert info["get"]["arity"] == 2
    assert (info["get"]["first_key_pos"], info["get"]["last_key_pos"],
            info["get"]["step_count"]) == (1, 1, 1)
    assert "readonly" in info["get"]["flags"]
    assert info["set"]["arity"] == -3
    assert "write" in info["set"]["flags"]
    assert (info["mset"]["first_key_pos"], info["mset"]["last_key_pos"],
            info["mset"]["step_count"]) == (1, -1, 2)
    assert info["del"]["arity"] == -2


def test_command_info_raw(raw):
    assert raw.call_raw("COMMAND", "INFO", "nosuchcmd") == b"*1\r\n$-1\r\n"
    reply = raw.call("COMMAND", "INFO", "nosuchcmd", "incr")
    assert reply[0] is None
    assert reply[1][:2] == [b"incr", 2]
    assert reply[1][3:6] == [1, 1, 1]


def test_command_plain(r):
    table = r.command()
    for name in ISSUE_COMMANDS:
        assert name in table, name
    assert table["getrange"]["arity"] == 4
    assert table["ping"]["first_key_pos"] == 0


def test_command_docs(raw):
    reply = raw.call("COMMAND", "DOCS", "get", "set")
    docs = pairs(reply)
    assert set(docs) == {b"get", b"set"}
    get_doc = pairs(docs[b"get"])
    assert b"summary" in get_doc and get_doc[b"summary"]
    assert b"since" in get_doc and b"group" in get_doc
    assert get_doc[b"group"] == b"string"
    assert raw.call("COMMAND", "DOCS", "nosuchcmd") == []


# --- INFO ---------------------------------------------------------------------------------------


def test_info_sections(r, server):
    r.set("a", "1")
    r.set("b", "2", ex=100)
    r.get("a")
    default = r.info()
    assert "redis_version" in default
    assert default["tcp_port"] == server.port
    assert default["role"] == "master"
    assert default["loading"] == 0
    assert default["connected_clients"] >= 1
    assert "used_memory" in default
    assert "total_commands_processed" in default
    assert "used_cpu_sys" in default
    keyspace = r.info("keyspace")
    assert keyspace["db0"]["keys"] == 2
    assert keyspace["db0"]["expires"] == 1
    assert r.info("server")["tcp_port"] == server.port
    assert r.info("clients")["connected_clients"] >= 1
    assert "used_memory" in r.info("memory")
    assert r.info("persistence")["loading"] == 0
    assert r.info("stats")["total_commands_processed"] > 0
    assert r.info("replication")["role"] == "master"
    assert "used_cpu_user" in r.info("cpu")
    stats = r.info("commandstats")
    assert stats["cmdstat_get"]["calls"] >= 1
    assert stats["cmdstat_set"]["calls"] >= 2
    everything = r.info("all")
    assert "redis_version" in everything and "cmdstat_info" in everything


def test_info_raw_format(raw):
    text = raw.call("INFO", "server")
    assert text.startswith(b"# Server\r\n")
    for line in text.split(b"\r\n"):
        assert line == b"" or line.startswith(b"#") or b":" in line
    raw.call("FLUSHALL")
    assert raw.call("INFO", "keyspace") == b"# Keyspace\r\n"
    raw.call("SET", "x", "1")
    assert raw.call("INFO", "keyspace").startswith(b"# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=")
    assert raw.call("INFO", "nosuchsection") == b""


# --- TIME / LASTSAVE / SAVE / BGSAVE / CONFIG ----------------------------------------------------


def test_time(raw):
    secs, usecs = raw.call("TIME")
    assert abs(int(secs) - time.time()) < 5
    assert 0 <= int(usecs) < 1000000


def wait_save_possible(r, timeout=10):
    deadline = time.time() + timeout
    while True:
        try:
            return r.save()
        except ResponseError as e:
            if "in progress" not in str(e) or time.time() > deadline:
                raise
            time.sleep(0.05)


def test_save_bgsave_lastsave(r, raw):
    r.set("persist-me", "1")
    before = raw.call("LASTSAVE")
    assert isinstance(before, int) and before <= time.time() + 1
    assert wait_save_possible(r) is True
    after = raw.call("LASTSAVE")
    assert after >= before and abs(after - time.time()) < 5
    reply = raw.call_raw("BGSAVE")
    assert reply in (b"+Background saving started\r\n",)
    assert wait_save_possible(r) is True


def test_config_get_set(r, server):
    assert r.config_get("port") == {"port": str(server.port)}
    assert r.config_get("bind")["bind"].startswith("127.0.0.1")
    assert r.config_get("nosuchparam") == {}
    assert "appendfsync" in r.config_get("append*")
    both = r.config_get("*")
    for name in ("port", "bind", "requirepass", "maxclients", "timeout", "appendfsync",
                 "proto-max-bulk-len", "dir", "loglevel", "protected-mode"):
        assert name in both, name
    old = r.config_get("timeout")["timeout"]
    assert r.config_set("timeout", "120") is True
    assert r.config_get("timeout") == {"timeout": "120"}
    assert r.config_set("timeout", old) is True
    with pytest.raises(ResponseError, match="^Unknown option or number of arguments for CONFIG SET "
                                            "- 'nosuchparam'$"):
        r.config_set("nosuchparam", "1")
    with pytest.raises(ResponseError, match=r"^CONFIG SET failed \(possibly related to argument "
                                            r"'timeout'\) - argument couldn't be parsed into an "
                                            r"integer$"):
        r.config_set("timeout", "abc")


def test_config_get_multi_raw(raw, server):
    reply = pairs(raw.call("CONFIG", "GET", "port", "maxclients"))
    assert reply[b"port"] == str(server.port).encode()
    assert int(reply[b"maxclients"]) > 0
