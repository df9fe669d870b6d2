// libFuzzer target for the whole in-process command path: bytes -> resp::Parser -> Dispatch
// (lookup, arity, auth, MULTI queueing, handlers) over a MemoryStorage with the WATCH layer ->
// resp::ReplyWriter.
//
// Design: every input gets a fresh Config, MemoryStorage and ServerState (the CommandTable is
// built once), so inputs do not influence each other and a crash reproduces from its input alone.
// A hash of the input picks whether `requirepass` is set (then the client starts unauthenticated
// with the parser's pre-AUTH limits, lifted after a successful AUTH, as Connection does). The
// clock is fake and moves forward between commands, so TTLs expire within one input.
// Each command must produce exactly one reply that is a complete, well-formed RESP value with no
// trailing bytes; RESP3 types may only appear once the client chose protocol 3; simple strings
// and errors carry no CR or LF; RESP2 replies must also be accepted whole by resp::ReadReply.
//
// Limits that keep an execution fast and small: proto-max-bulk-len is 64 KiB (SETRANGE/APPEND
// grow strings up to it), commands with more than 256 arguments or an argument over 1 KiB are
// skipped, CONFIG SET of proto-max-bulk-len is skipped, SRANDMEMBER/HRANDFIELD/ZRANDMEMBER with
// a count beyond +-10000 are skipped, and at most 512 commands run per input.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/dispatch.h"
#include "resp/parser.h"
#include "resp/reply_reader.h"
#include "resp/writer.h"
#include "server_state.h"
#include "storage/memory_storage.h"
#include "storage/storage.h"
#include "util.h"
#include "txn/watch.h"

namespace {

using ringkv::EqualsIgnoreCase;

using ringkv::resp::ParseResult;

constexpr int64_t kFuzzMaxBulkLen = 64 * 1024;
constexpr size_t kMaxArgs = 256;
constexpr size_t kMaxArgLen = 1024;
constexpr int kMaxCommands = 512;
constexpr int kMaxNesting = 16;

[[noreturn]] void Fail(const char* what, const std::string& reply) {
  std::fprintf(stderr, "command_fuzz invariant broken: %s\nreply (%zu bytes): ", what,
               reply.size());
  for (unsigned char c : reply.substr(0, 512)) {
    if (c >= 0x20 && c < 0x7f)
      std::fputc(c, stderr);
    else
      std::fprintf(stderr, "\\x%02x", c);
  }
  std::fputc('\n', stderr);
  std::abort();
}

std::atomic<uint64_t> g_now_ms{0};
uint64_t FakeClock() { return g_now_ms.load(std::memory_order_relaxed); }

// ---- A strict RESP2/RESP3 reply validator ---------------------------------------------------

class ReplyValidator {
 public:
  ReplyValidator(std::string_view data, bool allow_resp3) : d_(data), resp3_(allow_resp3) {}

  // True when the data is exactly one well-formed reply.
  bool ValidateOne() { return Value(0) && pos_ == d_.size(); }
  const char* why() const { return why_; }

 private:
  bool Bad(const char* why) {
    why_ = why;
    return false;
  }

  // A line up to CRLF with no other CR or LF in it.
  bool Line(std::string_view* out) {
    size_t end = d_.find("\r\n", pos_);
    if (end == std::string_view::npos) return Bad("line without CRLF");
    std::string_view line = d_.substr(pos_, end - pos_);
    if (line.find_first_of("\r\n") != std::string_view::npos) return Bad("CR or LF inside a line");
    *out = line;
    pos_ = end + 2;
    return true;
  }

  static bool Int(std::string_view s, int64_t* v) {
    if (s.empty() || s.size() > 20) return false;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
      neg = true;
      if (++i == s.size()) return false;
    }
    uint64_t acc = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      if (acc > (UINT64_MAX - 9) / 10) return false;
      acc = acc * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    if (acc > static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0)) return false;
    *v = neg ? static_cast<int64_t>(0 - acc) : static_cast<int64_t>(acc);
    return true;
  }

  bool Blob(int64_t n) {
    if (n < 0 || static_cast<uint64_t>(n) > d_.size() - pos_) return Bad("blob past the end");
    pos_ += static_cast<size_t>(n);
    if (d_.substr(pos_, 2) != "\r\n") return Bad("blob not followed by CRLF");
    pos_ += 2;
    return true;
  }

  bool Value(int depth) {
    if (depth > kMaxNesting) return Bad("nesting too deep");
    if (pos_ >= d_.size()) return Bad("missing reply");
    char t = d_[pos_++];
    std::string_view line;
    if (!Line(&line)) return false;
    int64_t n = 0;
    switch (t) {
      case '+':
        return true;
      case '-':
        return !line.empty() || Bad("empty error");
      case ':':
        return Int(line, &n) || Bad("bad integer");
      case '$':
        if (!Int(line, &n) || n < -1) return Bad("bad bulk length");
        return n == -1 || Blob(n);
      case '*':
        if (!Int(line, &n) || n < -1) return Bad("bad array length");
        for (int64_t i = 0; i < n; ++i) {
          if (!Value(depth + 1)) return false;
        }
        return true;
      default:
        break;
    }
    if (!resp3_) return Bad("RESP3 type in a RESP2 reply");
    switch (t) {
      case '_':
        return line.empty() || Bad("null with payload");
      case '#':
        return line == "t" || line == "f" || Bad("bad boolean");
      case ',':
        return !line.empty() || Bad("empty double");
      case '(':
        return Int(line, &n) ||
               (!line.empty() && line.find_first_not_of("-0123456789") == std::string_view::npos) ||
               Bad("bad big number");
      case '!':
        if (!Int(line, &n) || n < 0) return Bad("bad blob error length");
        return Blob(n);
      case '=':
        if (!Int(line, &n) || n < 4) return Bad("bad verbatim length");
        if (d_.size() - pos_ < 4 || d_[pos_ + 3] != ':') return Bad("verbatim without format");
        return Blob(n);
      case '~':
      case '>':
      case '%':
      case '|': {
        if (!Int(line, &n) || n < 0) return Bad("bad aggregate length");
        int64_t items = (t == '%' || t == '|') ? 2 * n : n;
        for (int64_t i = 0; i < items; ++i) {
          if (!Value(depth + 1)) return false;
        }
        return t != '|' || Value(depth + 1);
      }
      default:
        return Bad("unknown type byte");
    }
  }

  std::string_view d_;
  size_t pos_ = 0;
  bool resp3_;
  const char* why_ = "";
};

// ---- The execution path ------------------------------------------------------------------

// Commands the target does not run, to keep one execution small and fast (see the note above).
bool Skip(const std::vector<std::string_view>& argv) {
  if (argv.size() > kMaxArgs) return true;
  for (std::string_view a : argv) {
    if (a.size() > kMaxArgLen) return true;
  }
  // Random-member commands with a huge negative count stream a reply up to the client's output
  // limit (1 GiB when none is set): correct, but not in a fuzzer's memory budget.
  if (argv.size() >= 3 &&
      (EqualsIgnoreCase(argv[0], "srandmember") || EqualsIgnoreCase(argv[0], "hrandfield") ||
       EqualsIgnoreCase(argv[0], "zrandmember"))) {
    int64_t count;
    if (ringkv::ParseInt64(argv[2], &count) && (count > 10000 || count < -10000)) return true;
  }
  if (argv.size() >= 2 && EqualsIgnoreCase(argv[0], "config") && EqualsIgnoreCase(argv[1], "set")) {
    for (std::string_view a : argv) {
      if (EqualsIgnoreCase(a, "proto-max-bulk-len")) return true;
    }
  }
  return false;
}

uint64_t Hash(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ULL;
  return h;
}

const ringkv::CommandTable& Table() {
  static const std::unique_ptr<ringkv::CommandTable> table = ringkv::CommandTable::CreateDefault();
  return *table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringkv;
  const uint64_t seed = Hash(data, size);
  g_now_ms.store(1700000000000ULL);
  storage::SetClockForTest(&FakeClock);

  Config config;
  config.proto_max_bulk_len = kFuzzMaxBulkLen;
  const bool with_password = (seed & 3) == 0;
  if (with_password) config.requirepass = "pw";
  std::unique_ptr<storage::Storage> store = storage::NewMemoryStorage();
  ServerState server;
  server.config = &config;
  server.storage = store.get();
  server.table = &Table();
  server.start_time_ms = static_cast<int64_t>(g_now_ms.load());
  InstallWatchLayer(&server);

  ClientState client;
  client.id = server.next_client_id.fetch_add(1);
  client.authenticated = !with_password;

  resp::ParserLimits limits;
  limits.max_bulk_len = kFuzzMaxBulkLen;
  limits.unauthenticated = !client.authenticated;
  resp::Parser parser(limits);
  parser.Feed(reinterpret_cast<const char*>(data), size);

  std::vector<std::string_view> argv;
  std::string out;
  for (int n = 0; n < kMaxCommands; ++n) {
    if (parser.Next(&argv) != ParseResult::kCommand) break;  // need more, or a protocol error
    if (Skip(argv)) continue;
    // Time moves: 0, 100, ..., 600 ms between commands, so EX/PX values expire inside one input.
    g_now_ms.fetch_add(static_cast<uint64_t>(n % 7) * 100);

    const int proto_before = client.proto;
    const bool was_authenticated = client.authenticated;
    out.clear();
    resp::ReplyWriter writer(&out, client.proto);
    ArgList args(argv.begin(), argv.end());
    if (Dispatch(server, client, args, &writer) != DispatchResult::kDone) {
      Fail("Dispatch deferred without a router", out);
    }
    if (out.empty()) Fail("no reply", out);
    const bool resp3 = proto_before == 3 || client.proto == 3;
    ReplyValidator v(out, resp3);
    if (!v.ValidateOne()) Fail(v.why(), out);
    if (!resp3) {
      resp::ReplyValue value;
      if (resp::ReadReply(out, &value) != out.size()) Fail("ReadReply rejects the reply", out);
    }
    if (client.authenticated != was_authenticated) {
      limits.unauthenticated = !client.authenticated;
      parser.SetLimits(limits);
    }
    if (client.close_after_reply || client.kill_requested.load()) break;
  }
  storage::SetClockForTest(nullptr);
  return 0;
}
