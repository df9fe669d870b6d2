// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT.
// Replies and error texts follow Redis 7.0 (CLIENT SETINFO and lib-name/lib-ver follow 7.2,
// which current clients send on connect).

#include <algorithm>
#include <string>

#include "commands/command_table.h"
#include "errors.h"
#include "server_state.h"
#include "util.h"

namespace ringkv {
namespace {

Status CmdPing(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  if (args.size() > 2) return Status::Err(errors::WrongArgs("ping"));
  if (args.size() == 1) {
    reply->Simple("PONG");
  } else {
    reply->Bulk(args[1]);
  }
  return Status::OK();
}

Status CmdEcho(CommandContext&, const ArgList& args, resp::ReplyWriter* reply) {
  reply->Bulk(args[1]);
  return Status::OK();
}

Status CmdQuit(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  ctx.client.close_after_reply = true;
  reply->Ok();
  return Status::OK();
}

// ringkv has one keyspace (db 0), like Redis Cluster.
Status CmdSelect(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  int64_t db;
  if (!ParseInt64(args[1], &db)) return Status::Err(std::string(errors::kNotInteger));
  if (db < INT32_MIN || db > INT32_MAX) {
    return Status::Err("value is out of range, value must between -2147483648 and 2147483647");
  }
  if (db < 0 || db >= ctx.config().databases) return Status::Err("DB index is out of range");
  ctx.client.db = static_cast<int>(db);
  ctx.client.db_shared.store(ctx.client.db);
  reply->Ok();
  return Status::OK();
}

// Checks a username/password pair against requirepass (the only user is "default").
Status CheckCredentials(CommandContext& ctx, std::string_view user, std::string_view pass) {
  std::string required = ctx.config().RequirePass();
  bool ok = user == "default" && (required.empty() || pass == required);
  if (!ok) return Status(Code::kWrongPass, std::string(errors::kWrongPass));
  ctx.client.authenticated = true;
  return Status::OK();
}

Status CmdAuth(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  if (args.size() > 3) return Status::Err(std::string(errors::kSyntax));
  if (args.size() == 2 && ctx.config().RequirePass().empty()) {
    return Status::Err(std::string(errors::kAuthNotConfigured));
  }
  std::string_view user = args.size() == 3 ? args[1] : "default";
  Status st = CheckCredentials(ctx, user, args.back());
  if (!st.ok()) return st;
  reply->Ok();
  return Status::OK();
}

bool ValidClientName(std::string_view name) {
  // As Redis: printable ASCII without spaces.
  return std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c <= '~'; });
}

Status SetName(CommandContext& ctx, std::string_view name) {
  if (!ValidClientName(name)) {
    return Status::Err("Client names cannot contain spaces, newlines or special characters.");
  }
  std::lock_guard<std::mutex> g(ctx.client.info_mu);
  ctx.client.name.assign(name);
  return Status::OK();
}

Status CmdHello(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  int64_t proto = ctx.client.proto;
  size_t i = 1;
  if (args.size() >= 2) {
    if (!ParseInt64(args[1], &proto)) {
      return Status::Err("Protocol version is not an integer or out of range");
    }
    if (proto < 2 || proto > 3) return Status(Code::kNoProto, "unsupported protocol version");
    i = 2;
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (; i < args.size(); ++i) {
    size_t left = args.size() - i - 1;
    if (EqualsIgnoreCase(args[i], "auth") && left >= 2) {
      user = args[i + 1];
      pass = args[i + 2];
      has_auth = true;
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "setname") && left >= 1) {
      name = args[i + 1];
      has_name = true;
      i += 1;
    } else {
      return Status::Err("Syntax error in HELLO option '" + std::string(args[i]) + "'");
    }
  }
  if (!has_auth && !ctx.client.authenticated) {
    return Status(Code::kNoAuth,
                  "HELLO must be called with the client already authenticated, otherwise the "
                  "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                  "select the RESP protocol version at the same time");
  }
  if (has_auth) {
    Status st = CheckCredentials(ctx, user, pass);
    if (!st.ok()) return st;
  }
  if (has_name) {
    Status st = SetName(ctx, name);
    if (!st.ok()) return st;
  }
  ctx.client.proto = static_cast<int>(proto);
  ctx.client.resp_shared = static_cast<int>(proto);
  reply->SetProto(static_cast<int>(proto));
  reply->MapHeader(7);
  reply->Bulk("server");
  reply->Bulk("redis");
  reply->Bulk("version");
  reply->Bulk(kRedisCompatVersion);
  reply->Bulk("proto");
  reply->Integer(proto);
  reply->Bulk("id");
  reply->Integer(static_cast<int64_t>(ctx.client.id));
  reply->Bulk("mode");
  reply->Bulk("standalone");
  reply->Bulk("role");
  reply->Bulk("master");
  reply->Bulk("modules");
  reply->ArrayHeader(0);
  return Status::OK();
}

// ---- CLIENT ----------------------------------------------------------------------------------

Status CmdClientId(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  reply->Integer(static_cast<int64_t>(ctx.client.id));
  return Status::OK();
}

Status CmdClientSetName(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  Status st = SetName(ctx, args[2]);
  if (!st.ok()) return st;
  reply->Ok();
  return Status::OK();
}

Status CmdClientGetName(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  std::lock_guard<std::mutex> g(ctx.client.info_mu);
  if (ctx.client.name.empty()) {
    reply->Null();
  } else {
    reply->Bulk(ctx.client.name);
  }
  return Status::OK();
}

Status CmdClientSetInfo(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  bool lib_name = EqualsIgnoreCase(args[2], "lib-name");
  if (!lib_name && !EqualsIgnoreCase(args[2], "lib-ver")) {
    return Status::Err("Unrecognized option '" + std::string(args[2]) + "'");
  }
  if (!ValidClientName(args[3])) {
    return Status::Err(std::string(lib_name ? "lib-name" : "lib-ver") +
                       " cannot contain spaces, newlines or special characters.");
  }
  std::lock_guard<std::mutex> g(ctx.client.info_mu);
  (lib_name ? ctx.client.lib_name : ctx.client.lib_ver).assign(args[3]);
  reply->Ok();
  return Status::OK();
}

// One CLIENT LIST line, with Redis 7's fields (7.2's lib-name/lib-ver at the end).
std::string ClientLine(ClientState& c, int64_t now_ms) {
  std::lock_guard<std::mutex> g(c.info_mu);
  int64_t age = (now_ms - c.created_ms.load()) / 1000;
  int64_t idle = (now_ms - c.last_interaction_ms.load()) / 1000;
  uint64_t qbuf = c.query_buffer_bytes.load();
  uint64_t omem = c.output_bytes.load();
  std::string last = c.last_cmd.load();
  std::string line;
  line.reserve(256);
  line += "id=" + std::to_string(c.id);
  line += " addr=" + c.addr;
  line += " laddr=" + c.laddr;
  line += " fd=" + std::to_string(c.fd);
  line += " name=" + c.name;
  line += " age=" + std::to_string(age < 0 ? 0 : age);
  line += " idle=" + std::to_string(idle < 0 ? 0 : idle);
  line += std::string(" flags=") + (c.blocked_shared.load() ? "b" : "N");
  line += " db=" + std::to_string(c.db_shared.load());
  line += " sub=0 psub=0 ssub=0 multi=-1";
  line += " qbuf=" + std::to_string(qbuf) + " qbuf-free=0 argv-mem=0 multi-mem=0";
  line += " rbs=16384 rbp=0 obl=0 oll=0 omem=" + std::to_string(omem);
  line += " tot-mem=" + std::to_string(qbuf + omem + 16384);
  line += " events=r cmd=" + last;
  line += " user=default redir=-1 resp=" + std::to_string(c.resp_shared.load());
  line += " lib-name=" + c.lib_name + " lib-ver=" + c.lib_ver;
  return line;
}

Status CmdClientInfo(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  reply->Verbatim(ClientLine(ctx.client, static_cast<int64_t>(ctx.now_ms)) + "\n");
  return Status::OK();
}

Status CmdClientList(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  std::vector<uint64_t> ids;
  bool filter_ids = false;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "type") && i + 1 < args.size()) {
      std::string_view t = args[++i];
      if (!EqualsIgnoreCase(t, "normal") && !EqualsIgnoreCase(t, "master") &&
          !EqualsIgnoreCase(t, "replica") && !EqualsIgnoreCase(t, "slave") &&
          !EqualsIgnoreCase(t, "pubsub")) {
        return Status::Err("Unknown client type '" + std::string(t) + "'");
      }
      if (!EqualsIgnoreCase(t, "normal")) {
        reply->Verbatim("");
        return Status::OK();
      }
    } else if (EqualsIgnoreCase(args[i], "id") && i + 1 < args.size()) {
      filter_ids = true;
      for (++i; i < args.size(); ++i) {
        int64_t id;
        if (!ParseInt64(args[i], &id) || id <= 0) return Status::Err("Invalid client ID");
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      return Status::Err(std::string(errors::kSyntax));
    }
  }
  std::string out;
  int64_t now = static_cast<int64_t>(ctx.now_ms);
  ctx.server.clients.ForEach([&](ClientState& c) {
    if (filter_ids && std::find(ids.begin(), ids.end(), c.id) == ids.end()) return;
    out += ClientLine(c, now);
    out += '\n';
  });
  // A client not in the registry (in-process tests) still sees itself.
  if (out.empty() && !filter_ids) out = ClientLine(ctx.client, now) + "\n";
  reply->Verbatim(out);
  return Status::OK();
}

std::string AddrOf(ClientState& c, bool local) {
  std::lock_guard<std::mutex> g(c.info_mu);
  return local ? c.laddr : c.addr;
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR] (blocking.h): 1 if that client was blocked and is now woken.
Status CmdClientUnblock(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  int64_t id;
  if (!ParseInt64(args[2], &id)) return Status::Err(std::string(errors::kNotInteger));
  bool error = false;
  if (args.size() == 4) {
    if (EqualsIgnoreCase(args[3], "error")) {
      error = true;
    } else if (!EqualsIgnoreCase(args[3], "timeout")) {
      return Status::Err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  bool woken = id > 0 && ctx.server.blocking.Unblock(static_cast<uint64_t>(id), error);
  reply->Integer(woken ? 1 : 0);
  return Status::OK();
}

Status CmdClientKill(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  // Old form: CLIENT KILL addr:port -> +OK or an error; may kill the caller itself.
  if (args.size() == 3) {
    std::string addr(args[2]);
    size_t n = ctx.server.clients.Kill([&](ClientState& c) { return AddrOf(c, false) == addr; });
    if (n == 0 && AddrOf(ctx.client, false) == addr) {
      ctx.client.kill_requested = true;
      n = 1;
    }
    if (n == 0) return Status::Err("No such client");
    reply->Ok();
    return Status::OK();
  }
  // New form: filters, all of which must match; replies the number killed.
  if ((args.size() - 2) % 2 != 0) return Status::Err(std::string(errors::kSyntax));
  int64_t id = -1, maxage = -1;
  std::string addr, laddr;
  bool skipme = true, type_normal = true;
  for (size_t i = 2; i < args.size(); i += 2) {
    std::string_view opt = args[i], val = args[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      if (!ParseInt64(val, &id) || id <= 0)
        return Status::Err("client-id should be greater than 0");
    } else if (EqualsIgnoreCase(opt, "addr")) {
      addr = val;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      laddr = val;
    } else if (EqualsIgnoreCase(opt, "user")) {
      if (val != "default") return Status::Err("No such user '" + std::string(val) + "'");
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(val, "yes")) {
        skipme = true;
      } else if (EqualsIgnoreCase(val, "no")) {
        skipme = false;
      } else {
        return Status::Err(std::string(errors::kSyntax));
      }
    } else if (EqualsIgnoreCase(opt, "type")) {
      if (EqualsIgnoreCase(val, "normal")) {
        type_normal = true;
      } else if (EqualsIgnoreCase(val, "master") || EqualsIgnoreCase(val, "replica") ||
                 EqualsIgnoreCase(val, "slave") || EqualsIgnoreCase(val, "pubsub")) {
        type_normal = false;
      } else {
        return Status::Err("Unknown client type '" + std::string(val) + "'");
      }
    } else if (EqualsIgnoreCase(opt, "maxage")) {
      if (!ParseInt64(val, &maxage)) return Status::Err(std::string(errors::kNotInteger));
    } else {
      return Status::Err(std::string(errors::kSyntax));
    }
  }
  int64_t now = static_cast<int64_t>(ctx.now_ms);
  auto match = [&](ClientState& c) {
    if (!type_normal) return false;
    if (skipme && &c == &ctx.client) return false;
    if (id > 0 && c.id != static_cast<uint64_t>(id)) return false;
    if (!addr.empty() && AddrOf(c, false) != addr) return false;
    if (!laddr.empty() && AddrOf(c, true) != laddr) return false;
    if (maxage >= 0 && (now - c.created_ms.load()) / 1000 < maxage) return false;
    return true;
  };
  size_t n = ctx.server.clients.Kill(match);
  reply->Integer(static_cast<int64_t>(n));
  return Status::OK();
}

Status CmdClientHelp(CommandContext&, const ArgList&, resp::ReplyWriter* reply) {
  static const char* kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID, ADDR, LADDR, USER, SKIPME, TYPE, MAXAGE.",
      "LIST [options ...]",
      "    Return information about client connections. Options: TYPE, ID.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <option> <value>",
      "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
      "HELP",
      "    Print this help."};
  reply->ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) reply->Simple(l);
  return Status::OK();
}

CommandSpec Sub(const char* name, int arity, uint32_t flags, Handler h, std::string_view summary) {
  CommandSpec s;
  s.name = name;
  s.arity = arity;
  s.flags = flags;
  s.handler = h;
  s.group = "connection";
  s.summary = summary;
  s.since = "2.4.0";
  s.complexity = "O(1)";
  return s;
}

}  // namespace

void RegisterConnectionCommands(CommandTable& table) {
  const uint32_t kConn = kCmdNoScript | kCmdLoading | kCmdStale;
  table.Register({"ping", -1, kCmdFast, 0, 0, 0, CmdPing, "connection",
                  "Returns the server's liveliness response.", "1.0.0", "O(1)"});
  table.Register({"echo", 2, kCmdFast, 0, 0, 0, CmdEcho, "connection", "Returns the given string.",
                  "1.0.0", "O(1)"});
  table.Register({"quit", -1,
                  kCmdAllowBusy | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth, 0,
                  0, 0, CmdQuit, "connection", "Closes the connection.", "1.0.0", "O(1)"});
  table.Register({"select", 2, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, CmdSelect, "connection",
                  "Changes the selected database.", "1.0.0", "O(1)"});
  table.Register({"auth", -2, kConn | kCmdFast | kCmdNoAuth | kCmdAllowBusy, 0, 0, 0, CmdAuth,
                  "connection", "Authenticates the connection.", "1.0.0",
                  "O(N) where N is the number of passwords defined for the user"});
  table.Register({"hello", -1, kConn | kCmdFast | kCmdNoAuth | kCmdAllowBusy, 0, 0, 0, CmdHello,
                  "connection", "Handshakes with the Redis server.", "6.0.0", "O(1)"});

  CommandSpec client{"client",
                     -2,
                     0,
                     0,
                     0,
                     0,
                     nullptr,
                     "connection",
                     "A container for client connection commands.",
                     "2.4.0",
                     "Depends on subcommand."};
  client.subcommands.push_back(
      Sub("client|id", 2, kConn, CmdClientId, "Returns the unique client ID of the connection."));
  client.subcommands.push_back(
      Sub("client|setname", 3, kConn, CmdClientSetName, "Sets the connection name."));
  client.subcommands.push_back(
      Sub("client|getname", 2, kConn, CmdClientGetName, "Returns the name of the connection."));
  client.subcommands.push_back(Sub("client|setinfo", 4, kConn, CmdClientSetInfo,
                                   "Sets information specific to the client or connection."));
  client.subcommands.push_back(
      Sub("client|list", -2, kConn | kCmdAdmin, CmdClientList, "Lists open connections."));
  client.subcommands.push_back(
      Sub("client|info", 2, kConn, CmdClientInfo, "Returns information about the connection."));
  client.subcommands.push_back(
      Sub("client|kill", -3, kConn | kCmdAdmin, CmdClientKill, "Terminates open connections."));
  client.subcommands.push_back(Sub("client|unblock", -3, kConn | kCmdAdmin, CmdClientUnblock,
                                   "Unblocks a client blocked by a blocking command from a "
                                   "different connection."));
  client.subcommands.push_back(Sub("client|help", 2, kCmdLoading | kCmdStale, CmdClientHelp,
                                   "Returns helpful text about the different subcommands."));
  table.Register(std::move(client));
}

}  // namespace ringkv
