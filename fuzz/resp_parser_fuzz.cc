// libFuzzer target for resp::Parser, the code that reads every byte a client sends.
//
// Design: each input is parsed under three limit sets (defaults; before AUTH: 10 arguments and
// 16 KiB bulks; a lowered proto-max-bulk-len of 16) and, for each, twice: fed whole, and fed in
// chunks whose sizes come from a hash of the input (so a mutation changes the split), through
// Feed and through the socket path PrepareWrite/CommitWrite, with TrimIdle when nothing is
// buffered. Besides ASan/UBSan, the target aborts when an invariant of parser.h breaks:
// - kCommand gives a non-empty argv; every view is readable (touched byte by byte);
// - last_raw() of a command parses, alone in a fresh parser, back into the same argv;
// - buffered() never exceeds the bytes fed, and capacity() stays within a small multiple of the
//   bytes held plus the room asked for (never a declared `$N`/`*N` length);
// - kNeedMore asked again without new bytes stays kNeedMore;
// - an error is sticky: Next keeps returning kError with the same text, even after more bytes;
// - below 64 KiB (where Redis's size checks depend on read boundaries) the commands and the error
//   do not depend on how the bytes were split;
// - a stricter limit set accepts a prefix of what the defaults accept.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "resp/parser.h"

namespace {

using ringkv::resp::Parser;
using ringkv::resp::ParseResult;
using ringkv::resp::ParserLimits;

constexpr size_t kSizeCheckThreshold = 64 * 1024;  // PROTO_INLINE_MAX_SIZE and friends

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "resp_parser_fuzz invariant broken: %s\n", what);
  std::abort();
}

#define RINGKV_FUZZ_CHECK(cond) \
  do {                          \
    if (!(cond)) Fail(#cond);   \
  } while (0)

// What one pass produced: the commands in order, and the error text if it ended in one.
struct Outcome {
  std::vector<std::vector<std::string>> commands;
  bool failed = false;
  std::string error;
};

uint64_t Hash(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ULL;
  return h;
}

// xorshift64*: chunk sizes and feed modes for the split pass.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ULL;
  }
};

volatile uint8_t g_sink;

void Touch(std::string_view v) {
  uint8_t x = 0;
  for (char c : v) x ^= static_cast<uint8_t>(c);
  g_sink = x;
}

// A command's raw bytes parse back into the same argv in a fresh parser with the same limits.
void CheckRawReparses(const ParserLimits& limits, std::string_view raw,
                      const std::vector<std::string>& argv) {
  Parser p(limits);
  p.Feed(raw.data(), raw.size());
  std::vector<std::string_view> again;
  ParseResult r = p.Next(&again);
  RINGKV_FUZZ_CHECK(r == ParseResult::kCommand);
  RINGKV_FUZZ_CHECK(again.size() == argv.size());
  for (size_t i = 0; i < argv.size(); ++i) RINGKV_FUZZ_CHECK(again[i] == argv[i]);
  RINGKV_FUZZ_CHECK(p.buffered() == 0);
}

// Drains every command buffered so far into *out. Returns false once the parser is in error.
bool Drain(Parser* p, const ParserLimits& limits, Outcome* out) {
  std::vector<std::string_view> argv;
  for (;;) {
    ParseResult r = p->Next(&argv);
    if (r == ParseResult::kNeedMore) {
      RINGKV_FUZZ_CHECK(p->Next(&argv) == ParseResult::kNeedMore);
      return true;
    }
    if (r == ParseResult::kError) {
      RINGKV_FUZZ_CHECK(!p->error().empty());
      out->failed = true;
      out->error = p->error();
      return false;
    }
    RINGKV_FUZZ_CHECK(!argv.empty());
    std::vector<std::string> copy;
    copy.reserve(argv.size());
    for (std::string_view a : argv) {
      Touch(a);
      copy.emplace_back(a);
    }
    std::string_view raw = p->last_raw();
    Touch(raw);
    RINGKV_FUZZ_CHECK(!raw.empty());
    CheckRawReparses(limits, raw, copy);
    out->commands.push_back(std::move(copy));
  }
}

// After an error, the parser keeps answering kError with the same text whatever follows.
void CheckSticky(Parser* p, const std::string& error) {
  std::vector<std::string_view> argv;
  RINGKV_FUZZ_CHECK(p->Next(&argv) == ParseResult::kError);
  static const char kMore[] = "*1\r\n$4\r\nPING\r\nPING\r\n";
  p->Feed(kMore, sizeof(kMore) - 1);
  RINGKV_FUZZ_CHECK(p->Next(&argv) == ParseResult::kError);
  RINGKV_FUZZ_CHECK(p->error() == error);
}

Outcome ParseWhole(const ParserLimits& limits, const uint8_t* data, size_t size) {
  Outcome out;
  Parser p(limits);
  p.Feed(reinterpret_cast<const char*>(data), size);
  RINGKV_FUZZ_CHECK(p.buffered() <= size);
  if (!Drain(&p, limits, &out)) CheckSticky(&p, out.error);
  return out;
}

Outcome ParseSplit(const ParserLimits& limits, const uint8_t* data, size_t size, uint64_t seed) {
  Outcome out;
  Parser p(limits);
  Rng rng{seed | 1};
  size_t fed = 0;
  size_t max_held = 0;  // most bytes the parser held before a feed
  size_t max_room = 0;  // largest room asked for
  while (fed < size) {
    uint64_t r = rng.Next();
    // Mostly small chunks (byte-at-a-time included), sometimes big ones.
    size_t chunk = (r & 3) == 0 ? 1 + (r >> 8) % 512 : 1 + (r >> 8) % 8;
    chunk = std::min(chunk, size - fed);
    max_held = std::max(max_held, p.buffered());
    if ((r >> 4) & 1) {
      size_t min_room = chunk + ((r >> 20) % 3 == 0 ? (r >> 24) % 20000 : 0);
      size_t room = 0;
      char* dst = p.PrepareWrite(min_room, &room);
      RINGKV_FUZZ_CHECK(room >= min_room);
      std::memcpy(dst, data + fed, chunk);
      p.CommitWrite(chunk);
      max_room = std::max(max_room, min_room);
    } else {
      p.Feed(reinterpret_cast<const char*>(data + fed), chunk);
      max_room = std::max(max_room, chunk);
    }
    fed += chunk;
    RINGKV_FUZZ_CHECK(p.buffered() <= fed);
    // parser.h: capacity is bounded by a small multiple of the bytes held plus the room asked.
    RINGKV_FUZZ_CHECK(p.capacity() <= 4 * (max_held + max_room) + 4096);
    if (!Drain(&p, limits, &out)) {
      CheckSticky(&p, out.error);
      return out;
    }
    if (p.buffered() == 0 && ((r >> 40) & 7) == 0) {
      p.TrimIdle();
      RINGKV_FUZZ_CHECK(p.buffered() == 0);
    }
  }
  return out;
}

bool SameOutcome(const Outcome& a, const Outcome& b) {
  return a.commands == b.commands && a.failed == b.failed && a.error == b.error;
}

// `strict` accepts a prefix of what `loose` accepts.
bool IsPrefix(const Outcome& strict, const Outcome& loose) {
  if (strict.commands.size() > loose.commands.size()) return false;
  for (size_t i = 0; i < strict.commands.size(); ++i) {
    if (strict.commands[i] != loose.commands[i]) return false;
  }
  if (!strict.failed && !loose.failed) return strict.commands.size() == loose.commands.size();
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ParserLimits defaults;
  ParserLimits unauth;
  unauth.unauthenticated = true;
  ParserLimits small_bulk;
  small_bulk.max_bulk_len = 16;
  const uint64_t seed = Hash(data, size);

  Outcome base;
  int i = 0;
  for (const ParserLimits& limits : {defaults, unauth, small_bulk}) {
    Outcome whole = ParseWhole(limits, data, size);
    Outcome split = ParseSplit(limits, data, size, seed + static_cast<uint64_t>(i));
    if (size < kSizeCheckThreshold) RINGKV_FUZZ_CHECK(SameOutcome(whole, split));
    if (i == 0) {
      base = whole;
    } else {
      RINGKV_FUZZ_CHECK(IsPrefix(whole, base));
    }
    ++i;
  }
  return 0;
}
