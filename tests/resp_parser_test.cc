// Tests for resp::Parser: split-point invariance, every protocol error with Redis 7.0's exact text,
// inline quoting (sdssplitargs), limits, memory bounds and zero-copy use. Expected behaviour was
// checked against redis-server 7.0.15 with raw sockets.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "resp/parser.h"

// Counts heap allocations so a test can check that the steady state allocates nothing.
// GCC cannot see that the replaced operator new below is malloc-backed, hence the pragma.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<bool> g_count_allocs{false};
std::atomic<size_t> g_allocs{0};
}  // namespace

void* operator new(size_t n) {
  if (g_count_allocs.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace ringkv::resp {
namespace {

using Args = std::vector<std::string>;

// What a parser produced for one input.
struct Outcome {
  std::vector<Args> commands;
  std::vector<std::string> raws;
  std::vector<bool> inline_flags;
  bool error = false;
  std::string error_text;
};

void Drain(Parser* parser, Outcome* out) {
  std::vector<std::string_view> argv;
  while (true) {
    ParseResult r = parser->Next(&argv);
    if (r == ParseResult::kNeedMore) return;
    if (r == ParseResult::kError) {
      out->error = true;
      out->error_text = parser->error();
      return;
    }
    ASSERT_FALSE(argv.empty());
    out->commands.emplace_back(argv.begin(), argv.end());
    out->raws.emplace_back(parser->last_raw());
    out->inline_flags.push_back(parser->last_was_inline());
  }
}

enum class FeedMode { kFeed, kZeroCopy };

// Feeds `chunks` one after the other, draining commands after each, as a connection would.
Outcome RunChunks(const std::vector<std::string>& chunks, ParserLimits limits = {},
                  FeedMode mode = FeedMode::kFeed) {
  Parser parser(limits);
  Outcome out;
  for (const std::string& chunk : chunks) {
    if (mode == FeedMode::kFeed) {
      parser.Feed(chunk.data(), chunk.size());
    } else {
      size_t done = 0;
      while (done < chunk.size()) {
        size_t room = 0;
        char* p = parser.PrepareWrite(16 * 1024, &room);
        EXPECT_GE(room, 16u * 1024);
        size_t n = std::min(room, chunk.size() - done);
        std::memcpy(p, chunk.data() + done, n);
        parser.CommitWrite(n);
        done += n;
      }
    }
    Drain(&parser, &out);
    if (out.error) break;
  }
  return out;
}

Outcome RunWhole(const std::string& input, ParserLimits limits = {}) {
  return RunChunks({input}, limits);
}

std::vector<std::string> Bytewise(const std::string& input) {
  std::vector<std::string> chunks;
  for (char c : input) chunks.emplace_back(1, c);
  return chunks;
}

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

std::string Multibulk(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += Bulk(a);
  return out;
}

void ExpectSame(const Outcome& want, const Outcome& got, const std::string& what) {
  EXPECT_EQ(want.commands, got.commands) << what;
  EXPECT_EQ(want.raws, got.raws) << what;
  EXPECT_EQ(want.inline_flags, got.inline_flags) << what;
  EXPECT_EQ(want.error, got.error) << what;
  EXPECT_EQ(want.error_text, got.error_text) << what;
}

// ---- Pipelines and split points ---------------------------------------------------------------

// A pipeline mixing multibulk and inline requests, skipped headers and empty lines.
struct Pipeline {
  std::string stream;
  std::vector<Args> commands;
  std::vector<std::string> raws;
  std::vector<bool> inline_flags;

  void Add(const std::string& raw, Args args, bool is_inline) {
    stream += raw;
    commands.push_back(std::move(args));
    raws.push_back(raw);
    inline_flags.push_back(is_inline);
  }
  void Skip(const std::string& raw) { stream += raw; }
};

Pipeline MixedPipeline() {
  Pipeline p;
  p.Add(Multibulk({"SET", "key", "value"}), {"SET", "key", "value"}, false);
  p.Add("PING\r\n", {"PING"}, true);
  p.Skip("*0\r\n");
  p.Add(Multibulk({"GET", "key"}), {"GET", "key"}, false);
  p.Skip("\r\n");
  p.Skip("*-1\r\n");
  p.Add("ECHO \"a b\\x41\" 'c\\'d'\n", {"ECHO", "a bA", "c'd"}, true);
  p.Skip("   \r\n");
  p.Add(Multibulk({"SET", std::string("bin\0\r\nary", 9), ""}),
        {"SET", std::string("bin\0\r\nary", 9), ""}, false);
  p.Skip("\n");
  p.Add("  mget  a  b  \r\n", {"mget", "a", "b"}, true);
  p.Add(Multibulk({"LPUSH", "list", std::string(300, 'x')}),
        {"LPUSH", "list", std::string(300, 'x')}, false);
  p.Add("*1\r\n$4\r\nPING\r\n", {"PING"}, false);
  return p;
}

Outcome Expected(const Pipeline& p) {
  Outcome out;
  out.commands = p.commands;
  out.raws = p.raws;
  out.inline_flags = p.inline_flags;
  return out;
}

TEST(ParserTest, PipelineInOneFeed) {
  Pipeline p = MixedPipeline();
  ExpectSame(Expected(p), RunWhole(p.stream), "whole");
  ExpectSame(Expected(p), RunChunks({p.stream}, {}, FeedMode::kZeroCopy), "zero-copy");
}

TEST(ParserTest, PipelineOneByteAtATime) {
  Pipeline p = MixedPipeline();
  ExpectSame(Expected(p), RunChunks(Bytewise(p.stream)), "bytewise Feed");
  ExpectSame(Expected(p), RunChunks(Bytewise(p.stream), {}, FeedMode::kZeroCopy),
             "bytewise PrepareWrite");
}

TEST(ParserTest, PipelineEveryTwoWaySplit) {
  Pipeline p = MixedPipeline();
  const Outcome want = Expected(p);
  for (size_t i = 0; i <= p.stream.size(); ++i) {
    std::vector<std::string> chunks = {p.stream.substr(0, i), p.stream.substr(i)};
    ExpectSame(want, RunChunks(chunks), "split at " + std::to_string(i));
    ExpectSame(want, RunChunks(chunks, {}, FeedMode::kZeroCopy),
               "zero-copy split at " + std::to_string(i));
  }
}

TEST(ParserTest, PipelineEveryThreeWaySplit) {
  Pipeline p;
  p.Add(Multibulk({"SET", "k", "v"}), {"SET", "k", "v"}, false);
  p.Skip("*0\r\n\r\n");
  p.Add("GET \"k\"\r\n", {"GET", "k"}, true);
  p.Add(Multibulk({"DEL", "k"}), {"DEL", "k"}, false);
  const Outcome want = Expected(p);
  const std::string& s = p.stream;
  for (size_t i = 0; i <= s.size(); ++i) {
    for (size_t j = i; j <= s.size(); ++j) {
      ExpectSame(want, RunChunks({s.substr(0, i), s.substr(i, j - i), s.substr(j)}),
                 "split at " + std::to_string(i) + "," + std::to_string(j));
    }
  }
}

TEST(ParserTest, NeedMoreUntilComplete) {
  Parser parser;
  std::vector<std::string_view> argv;
  EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
  const std::string cmd = Multibulk({"SET", "a", "b"});
  parser.Feed(cmd.data(), cmd.size() - 1);
  EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
  EXPECT_EQ(parser.buffered(), cmd.size() - 1);
  parser.Feed(cmd.data() + cmd.size() - 1, 1);
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(argv, (std::vector<std::string_view>{"SET", "a", "b"}));
  EXPECT_EQ(parser.buffered(), 0u);
  EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
}

// ---- Skipped input ----------------------------------------------------------------------------

TEST(ParserTest, EmptyLinesAndNonPositiveCountsAreSkipped) {
  const std::string input = "*0\r\n*-1\r\n*-5\r\n\r\n\n   \r\n\t\n*0\r\nPING\r\n";
  for (const auto& chunks : {std::vector<std::string>{input}, Bytewise(input)}) {
    Outcome out = RunChunks(chunks);
    EXPECT_FALSE(out.error);
    ASSERT_EQ(out.commands, std::vector<Args>{{"PING"}});
    EXPECT_EQ(out.raws[0], "PING\r\n");
  }
  // Nothing but skipped input: no command, nothing left buffered.
  Parser parser;
  parser.Feed("*0\r\n\r\n", 6);
  std::vector<std::string_view> argv;
  EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
  EXPECT_EQ(parser.buffered(), 0u);
}

// ---- Redis quirks kept on purpose -------------------------------------------------------------

TEST(ParserTest, BytesAfterLineEndAndPayloadAreNotChecked) {
  // Redis skips the byte after a `*`/`$` line's '\r' and the 2 bytes after a payload unchecked.
  Outcome out = RunWhole("*1\rX$4\r\nPINGxx*1\r\n$4\rYECHOab");
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.commands, (std::vector<Args>{{"PING"}, {"ECHO"}}));
  EXPECT_EQ(out.raws, (std::vector<std::string>{"*1\rX$4\r\nPINGxx", "*1\r\n$4\rYECHOab"}));
}

TEST(ParserTest, NulBeforeLineEndKeepsLineOpenAsRedisStrchr) {
  // Redis finds line ends with strchr(), which stops at NUL: such a line never completes and
  // ends in the 64 KiB error (redis-server 7.0.15 leaves "PING\0\r\n" unanswered).
  for (const std::string& prefix :
       {std::string("PING\0\r\n", 7), std::string("*1\0\r\n$4\r\nPING\r\n", 15),
        std::string("*1\r\n$4\0\r\nPING\r\n", 15)}) {
    Parser parser;
    parser.Feed(prefix.data(), prefix.size());
    std::vector<std::string_view> argv;
    EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
    const std::string filler(70000, '\n');
    parser.Feed(filler.data(), filler.size());
    EXPECT_EQ(parser.Next(&argv), ParseResult::kError);
  }
  EXPECT_EQ(RunWhole(std::string("PING\0\r\n", 7) + std::string(70000, '\n')).error_text,
            "too big inline request");
  EXPECT_EQ(RunWhole(std::string("*1\0\r\n", 5) + std::string(70000, 'x')).error_text,
            "too big mbulk count string");
  EXPECT_EQ(RunWhole(std::string("*1\r\n$4\0\r\n", 9) + std::string(70000, 'x')).error_text,
            "too big bulk count string");
}

TEST(ParserTest, InlineSizeLimitAppliesOnlyWhileNoNewlineIsBuffered) {
  // As Redis: a 70000-byte line that arrives with its '\n' is accepted...
  const std::string line = "ECHO " + std::string(70000, 'a');
  Outcome whole = RunWhole(line + "\r\n");
  EXPECT_FALSE(whole.error);
  ASSERT_EQ(whole.commands.size(), 1u);
  EXPECT_EQ(whole.commands[0][1].size(), 70000u);
  // ...but more than 64 KiB buffered without a '\n' is an error.
  Outcome split = RunChunks({line, "\r\n"});
  EXPECT_TRUE(split.error);
  EXPECT_EQ(split.error_text, "too big inline request");
}

// ---- Errors -----------------------------------------------------------------------------------

struct ErrorCase {
  std::string input;
  std::string error;
  bool unauthenticated = false;
  int64_t max_bulk_len = 512LL * 1024 * 1024;
};

std::vector<ErrorCase> ErrorCases() {
  const std::string big_digits(65536, '1');
  return {
      {std::string(65537, 'a'), "too big inline request"},
      {"SET \"a b\r\n", "unbalanced quotes in request"},
      {"SET 'a b\r\n", "unbalanced quotes in request"},
      {"SET \"a\"b c\r\n", "unbalanced quotes in request"},
      {"SET 'a'b c\r\n", "unbalanced quotes in request"},
      {"SET \"a\\\"\r\n", "unbalanced quotes in request"},
      {"SET \"a\\\r\n", "unbalanced quotes in request"},
      {"SET 'a\\'\r\n", "unbalanced quotes in request"},
      {"*" + big_digits, "too big mbulk count string"},
      {"*abc\r\n", "invalid multibulk length"},
      {"*\r\n", "invalid multibulk length"},
      {"*+1\r\n", "invalid multibulk length"},
      {"*01\r\n", "invalid multibulk length"},
      {"*-0\r\n", "invalid multibulk length"},
      {"* 1\r\n", "invalid multibulk length"},
      {"*1 \r\n", "invalid multibulk length"},
      {"*-\r\n", "invalid multibulk length"},
      {"*2147483648\r\n", "invalid multibulk length"},
      {"*99999999999999999999\r\n", "invalid multibulk length"},
      {"*1\n$4\r\nPING\r\n", "invalid multibulk length"},
      {"*11\r\n", "unauthenticated multibulk length", true},
      {"*1\r\n$" + big_digits, "too big bulk count string"},
      {"*1\r\nx3\r\nfoo\r\n", "expected '$', got 'x'"},
      {"*2\r\n$1\r\na\r\n:1\r\n", "expected '$', got ':'"},
      // Redis's reply shows the '\r' as a space (addReplyErrorFormat scrubs CR/LF).
      {"*1\r\n\r\n", "expected '$', got ' '"},
      {"*1\r\n$-1\r\n", "invalid bulk length"},
      {"*1\r\n$abc\r\n", "invalid bulk length"},
      {"*1\r\n$\r\n", "invalid bulk length"},
      {"*1\r\n$+3\r\nfoo\r\n", "invalid bulk length"},
      {"*1\r\n$03\r\nfoo\r\n", "invalid bulk length"},
      {"*1\r\n$536870913\r\n", "invalid bulk length"},
      {"*1\r\n$-0\r\n", "invalid bulk length"},
      {"*1\r\n$00\r\n\r\n", "invalid bulk length"},
      {"*1\r\n$123456789012345678\r\n", "invalid bulk length"},
      {"*1\r\n$1000000000000000000\r\n", "invalid bulk length"},
      {"*1\r\n$99999999999999999999\r\n", "invalid bulk length"},
      {"*10000000000000000000\r\n", "invalid multibulk length"},
      {"*1\r\n$101\r\n", "invalid bulk length", false, 100},
      {"*1\r\n$16385\r\n", "unauthenticated bulk length", true},
      // proto-max-bulk-len is checked before the unauthenticated limit, as in Redis.
      {"*1\r\n$101\r\n", "invalid bulk length", true, 100},
  };
}

TEST(ParserTest, EveryErrorHasRedisText) {
  for (const ErrorCase& c : ErrorCases()) {
    ParserLimits limits;
    limits.unauthenticated = c.unauthenticated;
    limits.max_bulk_len = c.max_bulk_len;
    const std::string what = c.input.substr(0, 40);
    Outcome whole = RunWhole(c.input, limits);
    EXPECT_TRUE(whole.error) << what;
    EXPECT_EQ(whole.error_text, c.error) << what;
    EXPECT_TRUE(whole.commands.empty()) << what;
    // None of these depends on how the bytes were split.
    Outcome bytewise = RunChunks(Bytewise(c.input), limits);
    EXPECT_EQ(bytewise.error_text, c.error) << what;
  }
}

TEST(ParserTest, LimitsJustBelowTheErrorsAreAccepted) {
  ParserLimits unauth;
  unauth.unauthenticated = true;
  Args ten(10, "a");
  EXPECT_EQ(RunWhole(Multibulk(ten), unauth).commands, std::vector<Args>{ten});
  Args big = {"SET", "k", std::string(16384, 'v')};
  EXPECT_EQ(RunWhole(Multibulk(big), unauth).commands, std::vector<Args>{big});
  ParserLimits small;
  small.max_bulk_len = 100;
  Args hundred = {std::string(100, 'x')};
  EXPECT_EQ(RunWhole(Multibulk(hundred), small).commands, std::vector<Args>{hundred});
  // Large declared counts and lengths are fine while authenticated: they just wait for bytes.
  for (const std::string& input : std::vector<std::string>{
           "*2147483647\r\n", "*1048577\r\n", "*1\r\n$536870912\r\n", "*1\r\n$16385\r\n",
           std::string(65536, 'a'), "*" + std::string(65535, '1')}) {
    Parser parser;
    parser.Feed(input.data(), input.size());
    std::vector<std::string_view> argv;
    EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore) << input.substr(0, 20);
  }
}

TEST(ParserTest, AuthenticatingLiftsLimits) {
  ParserLimits unauth;
  unauth.unauthenticated = true;
  Parser parser(unauth);
  std::string input = Multibulk({"AUTH", "pw"});
  parser.Feed(input.data(), input.size());
  std::vector<std::string_view> argv;
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  parser.SetLimits(ParserLimits{});
  Args many(20, "x");
  input = Multibulk(many);
  parser.Feed(input.data(), input.size());
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(argv.size(), 20u);
}

TEST(ParserTest, CommandsBeforeAnErrorAreReturnedThenErrorSticks) {
  Parser parser;
  const std::string input = Multibulk({"PING"}) + "ECHO hi\r\n*1\r\n$x\r\n" + Multibulk({"GET"});
  parser.Feed(input.data(), input.size());
  std::vector<std::string_view> argv;
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(argv, std::vector<std::string_view>{"PING"});
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(argv, (std::vector<std::string_view>{"ECHO", "hi"}));
  EXPECT_EQ(parser.Next(&argv), ParseResult::kError);
  EXPECT_EQ(parser.error(), "invalid bulk length");
  parser.Feed("PING\r\n", 6);
  EXPECT_EQ(parser.Next(&argv), ParseResult::kError);
  EXPECT_EQ(parser.error(), "invalid bulk length");
}

TEST(ParserTest, ErrorTextEmptyUntilError) {
  Parser parser;
  std::vector<std::string_view> argv;
  parser.Feed("PING\r\n", 6);
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(parser.error(), "");
}

// ---- Inline quoting (sdssplitargs) ------------------------------------------------------------

TEST(ParserTest, InlineQuoting) {
  const std::vector<std::pair<std::string, Args>> cases = {
      {"SET \"a b\" c", {"SET", "a b", "c"}},
      {"\"\\x41\\x4a\\x4A\"", {"AJJ"}},
      {"\"\\xzz\"", {"xzz"}},  // not hex: "\x" is an escaped 'x'
      {"\"a\\x4\"", {"ax4"}},  // only one hex digit
      {"\"\\x00\"", {std::string(1, '\0')}},
      {"\"\\xff\\xFF\"", {"\xff\xff"}},
      {"\"\\n\\r\\t\\b\\a\\\\\\\"\\q\\'\"", {"\n\r\t\b\a\\\"q'"}},
      {"'it\\'s'", {"it's"}},
      {"'a\\nb\\\\x'", {"a\\nb\\\\x"}},  // single quotes only unescape \'
      {"'say \"hi\"'", {"say \"hi\""}},
      {"\"it's\"", {"it's"}},
      {"ab\"c d\"", {"abc d"}},  // a quote may open in the middle of a token
      {"a'b c'", {"ab c"}},
      {"\"\" ''", {"", ""}},
      {"a\vb", {"a\vb"}},        // \v does not end an unquoted token...
      {"\"a\"\vb", {"a", "b"}},  // ...but counts as a space after a closing quote
      {"\v\fa", {"a"}},          // and as a leading blank
      {"a\rb", {"a", "b"}},
      {"  a \t  b  ", {"a", "b"}},
      {"\"a\"\t'b'", {"a", "b"}},
      {"caf\xc3\xa9", {"caf\xc3\xa9"}},
  };
  for (const auto& [line, want] : cases) {
    for (const char* ending : {"\r\n", "\n"}) {
      Outcome out = RunWhole(line + ending);
      EXPECT_FALSE(out.error) << line << " " << out.error_text;
      ASSERT_EQ(out.commands.size(), 1u) << line;
      EXPECT_EQ(out.commands[0], want) << line;
      EXPECT_EQ(out.raws[0], line + ending);
      EXPECT_TRUE(out.inline_flags[0]);
    }
  }
}

TEST(ParserTest, InlineLineEndings) {
  // Only one '\r' right before '\n' belongs to the ending; another is a blank.
  Outcome out = RunWhole("PING\r\r\nECHO a\r\n\nGET b\n");
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.commands, (std::vector<Args>{{"PING"}, {"ECHO", "a"}, {"GET", "b"}}));
  EXPECT_EQ(out.raws, (std::vector<std::string>{"PING\r\r\n", "ECHO a\r\n", "GET b\n"}));
  // A closing quote followed by the dropped '\r' ends the line fine; one followed by a kept
  // '\r' is followed by a space.
  EXPECT_EQ(RunWhole("ECHO \"a\"\r\r\n").commands, (std::vector<Args>{{"ECHO", "a"}}));
}

TEST(ParserTest, InlineArgumentsSurviveBufferReuse) {
  // Copied (unescaped) and viewed arguments of one command stay valid together, even when many
  // quoted arguments force the storage for copies to grow.
  std::string line = "CMD";
  Args want = {"CMD"};
  for (int i = 0; i < 50; ++i) {
    line += " \"quoted " + std::to_string(i) + "\" plain" + std::to_string(i);
    want.push_back("quoted " + std::to_string(i));
    want.push_back("plain" + std::to_string(i));
  }
  Outcome out = RunWhole(line + "\r\n" + line + "\r\n");
  EXPECT_EQ(out.commands, (std::vector<Args>{want, want}));
}

// ---- last_raw ---------------------------------------------------------------------------------

TEST(ParserTest, LastRawIsTheExactRequestBytes) {
  Parser parser;
  const std::string set = Multibulk({"SET", "k", std::string("a\r\nb", 4)});
  const std::string input = "*0\r\n" + set + "\r\n  GET  k \n" + "*1\r\n$4\r\nPING\r\n";
  parser.Feed(input.data(), input.size());
  std::vector<std::string_view> argv;
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(parser.last_raw(), set);
  EXPECT_FALSE(parser.last_was_inline());
  std::string_view first_raw = parser.last_raw();
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(parser.last_raw(), "  GET  k \n");
  EXPECT_TRUE(parser.last_was_inline());
  EXPECT_EQ(first_raw, set);  // Next does not move buffered bytes
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(parser.last_raw(), "*1\r\n$4\r\nPING\r\n");
  EXPECT_FALSE(parser.last_was_inline());
  EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
  EXPECT_EQ(parser.last_raw(), "*1\r\n$4\r\nPING\r\n");
}

// ---- Binary safety, large arguments, memory ---------------------------------------------------

TEST(ParserTest, BinarySafeArguments) {
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += std::string("\r\n$3\r\n*1\r\n\0\0", 12);
  const Args args = {"SET", std::string("k\0y", 3), value, ""};
  const std::string input = Multibulk(args);
  EXPECT_EQ(RunWhole(input).commands, std::vector<Args>{args});
  EXPECT_EQ(RunChunks(Bytewise(input)).commands, std::vector<Args>{args});
}

TEST(ParserTest, OneMegabyteArgumentSplitAcrossReads) {
  std::string value(1 << 20, '\0');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 131 + (i >> 9));
  const Args args = {"SET", "big", value};
  const std::string input = Multibulk(args) + "PING\r\n";
  // Odd-sized chunks, through Feed and through the zero-copy path with 16 KiB reads.
  std::vector<std::string> chunks;
  for (size_t i = 0; i < input.size(); i += 7919) chunks.push_back(input.substr(i, 7919));
  const std::vector<Args> want = {args, {"PING"}};
  EXPECT_EQ(RunChunks(chunks).commands, want);
  EXPECT_EQ(RunChunks(chunks, {}, FeedMode::kZeroCopy).commands, want);

  Parser parser;
  std::vector<std::string_view> argv;
  size_t done = 0;
  int commands = 0;
  while (done < input.size()) {
    size_t room = 0;
    char* p = parser.PrepareWrite(16 * 1024, &room);
    size_t n = std::min<size_t>(16 * 1024, input.size() - done);
    std::memcpy(p, input.data() + done, n);
    parser.CommitWrite(n);
    done += n;
    // The buffer stays within a small factor of what it holds.
    EXPECT_LE(parser.capacity(), 2 * (parser.buffered() + 16 * 1024) + 4096);
    while (parser.Next(&argv) == ParseResult::kCommand) {
      if (++commands == 1) {
        ASSERT_EQ(argv.size(), 3u);
        EXPECT_TRUE(argv[2] == value);
      }
    }
  }
  EXPECT_EQ(commands, 2);
}

TEST(ParserTest, DeclaredLengthDoesNotReserveMemory) {
  for (const std::string& header :
       std::vector<std::string>{"*1\r\n$1000000000\r\n", "*2147483647\r\n$500000000\r\n"}) {
    ParserLimits limits;
    limits.max_bulk_len = 2LL * 1024 * 1024 * 1024;  // proto-max-bulk-len 2gb
    Parser parser(limits);
    parser.Feed(header.data(), header.size());
    std::vector<std::string_view> argv;
    EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
    EXPECT_LE(parser.capacity(), 4096u);
    // 100 KB of payload through 16 KiB reads: capacity follows what arrived, not the 1 GB.
    size_t fed = header.size();
    for (int i = 0; i < 100; ++i) {
      size_t room = 0;
      char* p = parser.PrepareWrite(16 * 1024, &room);
      std::memset(p, 'x', 1000);
      parser.CommitWrite(1000);
      fed += 1000;
      EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
    }
    EXPECT_EQ(parser.buffered(), fed);
    EXPECT_LT(parser.capacity(), 256u * 1024);
  }
}

TEST(ParserTest, ManyArgumentsFedByteByByteAreParsedOnce) {
  // 200000 arguments, one byte per read: quadratic re-parsing would take hours.
  std::string input = "*200000\r\n";
  for (int i = 0; i < 200000; ++i) input += "$1\r\nx\r\n";
  Parser parser;
  std::vector<std::string_view> argv;
  int commands = 0;
  for (char c : input) {
    parser.Feed(&c, 1);
    while (parser.Next(&argv) == ParseResult::kCommand) ++commands;
  }
  EXPECT_EQ(commands, 1);
  EXPECT_EQ(argv.size(), 200000u);
  // A long inline line fed byte by byte is scanned once too.
  std::string line = "ECHO " + std::string(60000, 'a') + "\r\n";
  for (char c : line) {
    parser.Feed(&c, 1);
    while (parser.Next(&argv) == ParseResult::kCommand) ++commands;
  }
  EXPECT_EQ(commands, 2);
  EXPECT_EQ(argv[1].size(), 60000u);
}

TEST(ParserTest, ZeroCopyViewsPointIntoTheReadRegion) {
  Parser parser;
  size_t room = 0;
  char* p = parser.PrepareWrite(16 * 1024, &room);
  ASSERT_GE(room, 16u * 1024);
  const std::string input = Multibulk({"SET", "key", "value"});
  std::memcpy(p, input.data(), input.size());
  parser.CommitWrite(input.size());
  std::vector<std::string_view> argv;
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(argv[2], "value");
  EXPECT_GE(argv[2].data(), p);
  EXPECT_LT(argv[2].data(), p + room);
  EXPECT_EQ(parser.last_raw().data(), p);
  // Everything consumed: the next read region starts at the buffer's beginning again.
  size_t room2 = 0;
  EXPECT_EQ(parser.PrepareWrite(16 * 1024, &room2), p);
  EXPECT_EQ(room2, room);
}

TEST(ParserTest, PartialCommandIsKeptAcrossCompaction) {
  // Many complete commands, then half of one: the consumed prefix is dropped, the half is kept.
  Parser parser;
  std::vector<std::string_view> argv;
  std::string input;
  for (int i = 0; i < 2000; ++i) input += Multibulk({"SET", "k" + std::to_string(i), "v"});
  const std::string last = Multibulk({"SET", "last", std::string(1000, 'z')});
  input += last.substr(0, 500);
  parser.Feed(input.data(), input.size());
  int commands = 0;
  while (parser.Next(&argv) == ParseResult::kCommand) ++commands;
  EXPECT_EQ(commands, 2000);
  EXPECT_EQ(parser.buffered(), 500u);
  const size_t cap = parser.capacity();
  size_t room = 0;
  char* p = parser.PrepareWrite(16 * 1024, &room);
  EXPECT_EQ(parser.capacity(), cap);  // compacted in place, no growth
  std::memcpy(p, last.data() + 500, last.size() - 500);
  parser.CommitWrite(last.size() - 500);
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(argv[1], "last");
  EXPECT_EQ(argv[2], std::string(1000, 'z'));
  EXPECT_EQ(parser.last_raw(), last);
}

TEST(ParserTest, BigBufferIsReusedForSmallCommands) {
  // After a 1 MB argument, small pipelined commands with a pending tail must not grow the buffer.
  Parser parser;
  std::vector<std::string_view> argv;
  const std::string big = Multibulk({"SET", "k", std::string(1 << 20, 'v')});
  parser.Feed(big.data(), big.size());
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  const size_t cap = parser.capacity();
  const std::string small = Multibulk({"GET", "k"});
  for (int i = 0; i < 100000; ++i) {
    size_t room = 0;
    char* p = parser.PrepareWrite(16 * 1024, &room);
    // Each read ends in the middle of a command, so something is always pending.
    std::string chunk = small.substr(i == 0 ? 0 : 10) + small.substr(0, 10);
    std::memcpy(p, chunk.data(), chunk.size());
    parser.CommitWrite(chunk.size());
    ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
    ASSERT_EQ(argv[0], "GET");
  }
  EXPECT_EQ(parser.capacity(), cap);
}

TEST(ParserTest, SteadyStateMultibulkParsingDoesNotAllocate) {
  Parser parser;
  std::vector<std::string_view> argv;
  std::string batch;
  for (int i = 0; i < 100; ++i) {
    batch += Multibulk({"SET", "key:" + std::to_string(i), std::string(100, 'v')});
    batch += Multibulk({"MGET", "a", "b", "c", "d", "e"});
  }
  auto run_batch = [&]() {
    size_t done = 0;
    int commands = 0;
    while (done < batch.size()) {
      size_t room = 0;
      char* p = parser.PrepareWrite(16 * 1024, &room);
      size_t n = std::min<size_t>(std::min<size_t>(room, 4000), batch.size() - done);
      std::memcpy(p, batch.data() + done, n);
      parser.CommitWrite(n);
      done += n;
      while (parser.Next(&argv) == ParseResult::kCommand) ++commands;
    }
    return commands;
  };
  EXPECT_EQ(run_batch(), 200);  // warm-up: buffer and vectors reach their working size
  g_allocs = 0;
  g_count_allocs = true;
  int commands = 0;
  for (int i = 0; i < 50; ++i) commands += run_batch();
  g_count_allocs = false;
  EXPECT_EQ(commands, 50 * 200);
  EXPECT_EQ(g_allocs.load(), 0u);
}

TEST(ParserTest, TrimIdleFreesOnlyAnIdleBuffer) {
  Parser parser;
  const std::string half = "*1\r\n$4\r\nPI";
  parser.Feed(half.data(), half.size());
  std::vector<std::string_view> argv;
  EXPECT_EQ(parser.Next(&argv), ParseResult::kNeedMore);
  parser.TrimIdle();
  EXPECT_GT(parser.capacity(), 0u);
  parser.Feed("NG\r\n", 4);
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(argv, std::vector<std::string_view>{"PING"});
  parser.TrimIdle();
  EXPECT_EQ(parser.capacity(), 0u);
  EXPECT_EQ(parser.buffered(), 0u);
  parser.Feed("PING\r\n", 6);
  ASSERT_EQ(parser.Next(&argv), ParseResult::kCommand);
  EXPECT_EQ(argv, std::vector<std::string_view>{"PING"});
}

}  // namespace
}  // namespace ringkv::resp
