#pragma once
// Incremental RESP request parser (multibulk and inline), as Redis's processMultibulkBuffer and
// processInlineBuffer accept them. Standard library only.
//
// Usage, once per socket read:
//   char* p = parser.PrepareWrite(&room);  // or Feed(data, n)
//   ... read up to `room` bytes into p ...
//   parser.CommitWrite(n);
//   while (parser.Next(&argv) == ParseResult::kCommand) { ... use argv ... }
//
// Memory: the parser never reserves memory for a declared length (`$N`, `*N`) before the bytes
// arrive; its buffer grows only with bytes actually received (CVE-2021-32675 family).
// Thread-safety: none; one parser per connection, used on that connection's loop thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv::resp {

struct ParserLimits {
  // proto-max-bulk-len: a `$N` with N above this is "invalid bulk length".
  int64_t max_bulk_len = 512LL * 1024 * 1024;
  // Before AUTH (requirepass set): at most 10 arguments and 16384-byte bulks (Redis 7.0).
  bool unauthenticated = false;
};

enum class ParseResult {
  kCommand,   // *argv holds one command (never empty)
  kNeedMore,  // all buffered bytes consumed or a partial command is pending
  kError,     // protocol error; error() has the text; the parser stays in the error state
};

class Parser {
 public:
  explicit Parser(ParserLimits limits = {});

  void SetLimits(const ParserLimits& limits) { limits_ = limits; }
  const ParserLimits& limits() const { return limits_; }

  // Appends bytes to the input buffer.
  void Feed(const char* data, size_t len);
  // Zero-copy variant of Feed: returns a writable region of at least `min_room` bytes at the
  // end of the buffer (its size goes to *room); CommitWrite(n) appends the first n bytes of it.
  char* PrepareWrite(size_t min_room, size_t* room);
  void CommitWrite(size_t n);

  // Parses the next command. On kCommand, *argv holds views into the parser's buffer that stay
  // valid until the next call to Feed, PrepareWrite or Next. Empty inline lines and `*0`/`*-1`
  // headers are skipped silently, as Redis does. On kError the rest of the input is ignored and
  // every later call returns kError again.
  ParseResult Next(std::vector<std::string_view>* argv);

  // The text after "Protocol error: ", e.g. "invalid bulk length". Empty unless kError.
  const std::string& error() const { return error_; }
  // Raw bytes of the command last returned by Next (for forwarding it verbatim to a peer).
  // Inline commands are returned as their line, including the line ending. The view stays valid
  // until the next Feed, PrepareWrite or TrimIdle (Next never moves buffered bytes).
  std::string_view last_raw() const { return last_raw_; }
  // True when the last command came as an inline request.
  bool last_was_inline() const { return last_inline_; }
  // Bytes received and not yet returned as a command (the query buffer's size, for
  // client-query-buffer-limit).
  size_t buffered() const { return len_ - cmd_start_; }
  // Bytes allocated for the input buffer (for memory accounting and tests). It is bounded by a
  // small multiple of buffered() plus the largest room asked for, never by a declared length.
  size_t capacity() const { return cap_; }
  // Frees the input buffer when nothing is buffered, like Redis trimming idle query buffers in
  // clientsCron; call it from an idle timer. Invalidates the views returned by Next.
  void TrimIdle();

 private:
  enum class ReqType : uint8_t { kUnknown, kInline, kMultibulk };
  enum class Step : uint8_t { kCommand, kSkip, kNeedMore, kError };
  // One inline argument: a view into buf_ at `pos`, or (copied) inline_args_[pos].
  struct InlineToken {
    size_t pos;
    size_t len;
    bool copied;
  };

  Step ParseInline(std::vector<std::string_view>* argv);
  Step ParseMultibulk(std::vector<std::string_view>* argv);
  bool SplitInline(size_t begin, size_t end);
  size_t FindTerminator(char c);
  Step Fail(std::string text);
  void MakeRoom(size_t min_room);
  void DropConsumed();

  ParserLimits limits_;
  // Input bytes live in buf_[0, len_) of a buffer of cap_ bytes (not zero-filled, unlike a
  // resized std::string). buf_[0, cmd_start_) is consumed and may be dropped at any Feed or
  // PrepareWrite; buf_[cmd_start_, pos_) is the parsed part of the pending command.
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t len_ = 0;
  size_t cmd_start_ = 0;  // offset in buf_ where the pending command begins
  size_t pos_ = 0;        // parse cursor
  size_t scan_from_ = 0;  // a line-end search resumes here (bytes before it were searched)
  ReqType req_type_ = ReqType::kUnknown;
  // Multibulk state that survives across reads, so a large request is not re-parsed.
  int64_t multibulk_left_ = 0;  // arguments still expected; 0 = `*` line not read yet
  int64_t bulk_len_ = -1;       // length of the bulk being read, -1 = expect a `$` line next
  std::vector<std::pair<size_t, size_t>> arg_spans_;  // (offset from cmd_start_, length)
  // Inline requests: arguments with quotes are unescaped into inline_args_ (reused strings).
  std::vector<InlineToken> inline_tokens_;
  std::vector<std::string> inline_args_;
  std::string error_;
  std::string_view last_raw_;
  bool last_inline_ = false;
  bool failed_ = false;
};

}  // namespace ringkv::resp
