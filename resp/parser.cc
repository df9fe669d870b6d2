// Incremental RESP request parser.
//
// Design: one flat byte buffer per connection. Bytes are appended at the end (Feed, or
// PrepareWrite/CommitWrite straight from the socket read); the parser walks them with a cursor and
// hands out argv as string_views into the buffer, so a multibulk request is never copied. Only
// inline arguments that contain quotes are unescaped into reused std::strings.
//
// Redis compatibility: the acceptance rules are those of Redis 7.0's processMultibulkBuffer and
// processInlineBuffer (networking.c), quirks included:
// - line ends are found with strchr(), so a NUL byte before the terminator keeps the line open
//   (until the 64 KiB size check trips);
// - a `*`/`$` line ends at the first '\r', and the byte after it is skipped without checking that
//   it is '\n'; the 2 bytes after a bulk payload are skipped unchecked too;
// - the 64 KiB checks run only when no line end is buffered, so they depend on how the bytes
//   were split into reads, exactly as in Redis;
// - inline lines are split with sdssplitargs rules.
// Redis reserves `$N` bytes up front for big bulks; we do not: the buffer only grows with bytes
// that actually arrived (CVE-2021-32675 family).
//
// Buffer management: bytes before cmd_start_ are consumed. Next never moves memory (views and
// last_raw stay valid). Feed/PrepareWrite make room: when everything is consumed they just reset
// the offsets; otherwise they move the pending bytes to the front if that is amortized (the
// dropped prefix is at least as large as what moves, or what moves fills at most half the
// buffer), and else grow geometrically, copying only the pending bytes. So capacity stays within
// a small factor of the pending bytes plus the room asked for.
// Multibulk state (arguments parsed, pending bulk length, where a line-end search stopped) is
// kept across reads, so a request arriving in many reads is parsed once.

#include "resp/parser.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace ringkv::resp {
namespace {

constexpr size_t kInlineMaxSize = 64 * 1024;  // PROTO_INLINE_MAX_SIZE
constexpr int64_t kUnauthMaxArgs = 10;        // processMultibulkBuffer, before AUTH
constexpr int64_t kUnauthMaxBulk = 16384;     // processMultibulkBuffer, before AUTH
constexpr size_t kMinCapacity = 4096;
constexpr size_t kNotFound = static_cast<size_t>(-1);

// Redis string2ll: optional '-', then "0" alone or a digit 1-9 followed by digits; no '+', no
// spaces, no leading zeros, at most 20 characters, must fit in int64.
bool StringToLL(const char* s, size_t len, int64_t* out) {
  if (len == 0 || len >= 21) return false;
  if (len == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == len) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = static_cast<uint64_t>(s[i++] - '0');
  for (; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// isspace() in the C locale (Redis never sets LC_CTYPE): ' ', \t, \n, \v, \f, \r.
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// sdssplitargs ends an unquoted token only at these (not at \v or \f).
bool EndsToken(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Fast path for a `*`/`$` line: `p` points after the type byte. If the line is "<digits>\r"
// followed by at least one more byte, with digits as string2ll accepts them (no sign, at most 18
// so no overflow), stores the value and the offset of '\r' from p and returns true. Otherwise
// (a sign, another byte, too many digits, not enough bytes) the caller takes the general path,
// which gives the same answer more slowly. No NUL can precede the '\r' here.
bool ParseLengthLine(const char* p, const char* end, int64_t* value, size_t* cr_offset) {
  const char* d = p;
  int64_t v = 0;
  while (d < end && *d >= '0' && *d <= '9' && d - p < 18) v = v * 10 + (*d++ - '0');
  if (d == p || end - d < 2 || *d != '\r') return false;
  if (*p == '0' && d - p > 1) return false;  // leading zero: invalid, let the general path say so
  *value = v;
  *cr_offset = static_cast<size_t>(d - p);
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Parser::Parser(ParserLimits limits) : limits_(limits) {}

// ---- Buffer -------------------------------------------------------------------------------

void Parser::DropConsumed() {
  const size_t d = cmd_start_;
  cmd_start_ = 0;
  pos_ -= d;
  len_ -= d;
  scan_from_ = scan_from_ > d ? scan_from_ - d : 0;
}

void Parser::MakeRoom(size_t min_room) {
  const size_t live = len_ - cmd_start_;
  if (live == 0 && cmd_start_ > 0) DropConsumed();  // everything consumed: no copy needed
  if (cap_ - len_ >= min_room) return;
  // Moving is paid for either by the consumed bytes it drops or by the half buffer it frees.
  if (live + min_room <= cap_ && (cmd_start_ >= live || live <= cap_ / 2)) {
    std::memmove(buf_.get(), buf_.get() + cmd_start_, live);
    DropConsumed();
    return;
  }
  // Grow with the bytes actually held (never with a declared length), copying only live bytes.
  const size_t new_cap = std::max({cap_ * 2, live + min_room, kMinCapacity});
  std::unique_ptr<char[]> grown(new char[new_cap]);
  if (live > 0) std::memcpy(grown.get(), buf_.get() + cmd_start_, live);
  buf_ = std::move(grown);
  cap_ = new_cap;
  DropConsumed();
}

void Parser::Feed(const char* data, size_t len) {
  if (len == 0) return;
  MakeRoom(len);
  std::memcpy(buf_.get() + len_, data, len);
  len_ += len;
}

char* Parser::PrepareWrite(size_t min_room, size_t* room) {
  MakeRoom(min_room > 0 ? min_room : 1);
  *room = cap_ - len_;
  return buf_.get() + len_;
}

void Parser::CommitWrite(size_t n) { len_ += std::min(n, cap_ - len_); }

void Parser::TrimIdle() {
  if (len_ != cmd_start_) return;
  buf_.reset();
  cap_ = len_ = cmd_start_ = pos_ = scan_from_ = 0;
  last_raw_ = {};
}

// Position of the first `c` at or after the cursor, or kNotFound. As Redis's strchr() over the
// NUL-terminated query buffer, a NUL byte before `c` means "not found". Bytes searched in vain
// are remembered so a line arriving in many reads is scanned once.
size_t Parser::FindTerminator(char c) {
  const char* base = buf_.get();
  const size_t from = std::max(pos_, scan_from_);
  const size_t avail = len_ - from;
  const char* hit = static_cast<const char*>(std::memchr(base + from, c, avail));
  const size_t limit = hit != nullptr ? static_cast<size_t>(hit - base) : len_;
  const char* nul = static_cast<const char*>(std::memchr(base + from, '\0', limit - from));
  if (nul != nullptr) {
    scan_from_ = static_cast<size_t>(nul - base);
    return kNotFound;
  }
  if (hit == nullptr) {
    scan_from_ = len_;
    return kNotFound;
  }
  return limit;
}

// ---- Parsing ------------------------------------------------------------------------------

// The text is stored as Redis sends it: addReplyErrorFormat turns CR and LF into spaces (this
// shows in "expected '$', got ' '" for a '\r').
Parser::Step Parser::Fail(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  failed_ = true;
  error_ = std::move(text);
  return Step::kError;
}

ParseResult Parser::Next(std::vector<std::string_view>* argv) {
  if (failed_) return ParseResult::kError;
  while (pos_ < len_) {
    if (req_type_ == ReqType::kUnknown) {
      req_type_ = buf_[pos_] == '*' ? ReqType::kMultibulk : ReqType::kInline;
    }
    const Step step = req_type_ == ReqType::kMultibulk ? ParseMultibulk(argv) : ParseInline(argv);
    if (step == Step::kNeedMore) return ParseResult::kNeedMore;
    if (step == Step::kError) return ParseResult::kError;
    // A command or a skipped one (empty line, `*0`, `*-1`): the next request starts here.
    req_type_ = ReqType::kUnknown;
    cmd_start_ = pos_;
    scan_from_ = pos_;
    if (step == Step::kCommand) return ParseResult::kCommand;
  }
  return ParseResult::kNeedMore;
}

Parser::Step Parser::ParseInline(std::vector<std::string_view>* argv) {
  const size_t newline = FindTerminator('\n');
  if (newline == kNotFound) {
    if (len_ - pos_ > kInlineMaxSize) return Fail("too big inline request");
    return Step::kNeedMore;
  }
  size_t end = newline;
  if (end > pos_ && buf_[end - 1] == '\r') --end;
  if (!SplitInline(pos_, end)) return Fail("unbalanced quotes in request");
  pos_ = newline + 1;
  if (inline_tokens_.empty()) return Step::kSkip;

  // Views into inline_args_ are taken only now: SplitInline may have grown that vector.
  argv->clear();
  const char* base = buf_.get();
  for (const InlineToken& t : inline_tokens_) {
    if (t.copied) {
      argv->emplace_back(inline_args_[t.pos]);
    } else {
      argv->emplace_back(base + t.pos, t.len);
    }
  }
  last_raw_ = std::string_view(base + cmd_start_, pos_ - cmd_start_);
  last_inline_ = true;
  return Step::kCommand;
}

// sdssplitargs over buf_[begin, end) (which holds no NUL: FindTerminator stops at one). Fills
// inline_tokens_; returns false on unbalanced quotes or a closing quote followed by a non-space.
bool Parser::SplitInline(size_t begin, size_t end) {
  inline_tokens_.clear();
  size_t copies = 0;
  const char* base = buf_.get();
  const char* p = base + begin;
  const char* const e = base + end;
  while (true) {
    while (p < e && IsSpace(*p)) ++p;
    if (p == e) return true;

    // Fast path: a token without quotes is a view into the buffer.
    const char* token = p;
    while (p < e && !EndsToken(*p) && *p != '"' && *p != '\'') ++p;
    if (p == e || EndsToken(*p)) {
      inline_tokens_.push_back(
          {static_cast<size_t>(token - base), static_cast<size_t>(p - token), false});
      if (p < e) ++p;  // sdssplitargs steps over the byte that ended the token
      continue;
    }

    // A quote: unescape the token into a reused string.
    if (copies == inline_args_.size()) inline_args_.emplace_back();
    std::string& cur = inline_args_[copies];
    cur.assign(token, static_cast<size_t>(p - token));
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (p == e) return false;  // unterminated quotes
        if (*p == '\\' && e - p >= 4 && p[1] == 'x' && HexValue(p[2]) >= 0 && HexValue(p[3]) >= 0) {
          cur.push_back(static_cast<char>(HexValue(p[2]) * 16 + HexValue(p[3])));
          p += 3;
        } else if (*p == '\\' && e - p >= 2) {
          ++p;
          char c;
          switch (*p) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              c = *p;
              break;
          }
          cur.push_back(c);
        } else if (*p == '"') {
          // A closing quote must be followed by a space or by the end of the line.
          if (e - p >= 2 && !IsSpace(p[1])) return false;
          done = true;
        } else {
          cur.push_back(*p);
        }
      } else if (in_single) {
        if (p == e) return false;
        if (*p == '\\' && e - p >= 2 && p[1] == '\'') {
          ++p;
          cur.push_back('\'');
        } else if (*p == '\'') {
          if (e - p >= 2 && !IsSpace(p[1])) return false;
          done = true;
        } else {
          cur.push_back(*p);
        }
      } else if (p == e || EndsToken(*p)) {
        done = true;
      } else if (*p == '"') {
        in_double = true;
      } else if (*p == '\'') {
        in_single = true;
      } else {
        cur.push_back(*p);
      }
      if (p < e) ++p;
    }
    inline_tokens_.push_back({copies++, 0, true});
  }
}

Parser::Step Parser::ParseMultibulk(std::vector<std::string_view>* argv) {
  const char* base = buf_.get();

  // The `*N` line: it ends at the first '\r' and needs one more byte after it (any byte).
  if (multibulk_left_ == 0) {
    int64_t count;
    size_t cr;
    if (ParseLengthLine(base + pos_ + 1, base + len_, &count, &cr)) {
      cr += pos_ + 1;
    } else {
      cr = FindTerminator('\r');
      if (cr == kNotFound) {
        if (len_ - pos_ > kInlineMaxSize) return Fail("too big mbulk count string");
        return Step::kNeedMore;
      }
      if (cr + 1 >= len_) {
        scan_from_ = cr;
        return Step::kNeedMore;
      }
      if (!StringToLL(base + pos_ + 1, cr - pos_ - 1, &count)) {
        return Fail("invalid multibulk length");
      }
    }
    if (count > INT_MAX) return Fail("invalid multibulk length");
    if (count > kUnauthMaxArgs && limits_.unauthenticated) {
      return Fail("unauthenticated multibulk length");
    }
    pos_ = cr + 2;
    if (count <= 0) return Step::kSkip;
    multibulk_left_ = count;
    bulk_len_ = -1;
    arg_spans_.clear();
  }

  while (multibulk_left_ > 0) {
    // The `$N` line of the next argument.
    if (bulk_len_ < 0) {
      if (pos_ == len_) return Step::kNeedMore;
      int64_t len;
      size_t cr;
      if (base[pos_] == '$' && ParseLengthLine(base + pos_ + 1, base + len_, &len, &cr)) {
        cr += pos_ + 1;
      } else {
        cr = FindTerminator('\r');
        if (cr == kNotFound) {
          if (len_ - pos_ > kInlineMaxSize) return Fail("too big bulk count string");
          return Step::kNeedMore;
        }
        if (cr + 1 >= len_) {
          scan_from_ = cr;
          return Step::kNeedMore;
        }
        if (base[pos_] != '$') return Fail(std::string("expected '$', got '") + base[pos_] + "'");
        if (!StringToLL(base + pos_ + 1, cr - pos_ - 1, &len) || len < 0) {
          return Fail("invalid bulk length");
        }
      }
      if (len > limits_.max_bulk_len) return Fail("invalid bulk length");
      if (len > kUnauthMaxBulk && limits_.unauthenticated) {
        return Fail("unauthenticated bulk length");
      }
      pos_ = cr + 2;
      bulk_len_ = len;
    }
    // The payload and the 2 bytes after it, which Redis does not check.
    if (len_ - pos_ < static_cast<uint64_t>(bulk_len_) + 2) return Step::kNeedMore;
    arg_spans_.emplace_back(pos_ - cmd_start_, static_cast<size_t>(bulk_len_));
    pos_ += static_cast<size_t>(bulk_len_) + 2;
    bulk_len_ = -1;
    --multibulk_left_;
  }

  argv->clear();
  const char* cmd = base + cmd_start_;
  for (const auto& [offset, len] : arg_spans_) argv->emplace_back(cmd + offset, len);
  last_raw_ = std::string_view(cmd, pos_ - cmd_start_);
  last_inline_ = false;
  return Step::kCommand;
}

}  // namespace ringkv::resp
