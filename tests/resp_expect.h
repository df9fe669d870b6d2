#pragma once
// Expected RESP reply bytes for the in-process command tests (tests/cmd_*_test.cc), shared so
// that every family spells Redis's replies the same way:
//   EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
//   EXPECT_EQ(h.Run({"lrange", "l", "0", "-1"}), Arr({"a", "b"}));
// Error constants copy Redis 7.0's texts word for word (errors.h). Everything is header-only
// and stateless, so any test may use it from any thread. A test file keeps a helper of its own
// only where its meaning is its own (Pairs3 in zset, KeyAndArr in list, ...).

#include <algorithm>
#include <string>
#include <vector>

namespace ringkv::test {

// --- Simple replies ----------------------------------------------------------------------------

inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";       // RESP2 null bulk string
inline const std::string kNilArray = "*-1\r\n";  // RESP2 null array
inline const std::string kNull3 = "_\r\n";       // RESP3 null
inline const std::string kEmptyArray = "*0\r\n";

// --- Errors shared by several families ---------------------------------------------------------

inline const std::string kSyntax = "-ERR syntax error\r\n";
inline const std::string kNotInt = "-ERR value is not an integer or out of range\r\n";
inline const std::string kNotFloat = "-ERR value is not a valid float\r\n";
inline const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

// --- Builders ----------------------------------------------------------------------------------

// A bulk string; `s` may hold any bytes.
inline std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
inline std::string Int(long long v) { return ":" + std::to_string(v) + "\r\n"; }
// An error reply; `msg` includes its prefix ("ERR ...", "WRONGTYPE ...").
inline std::string Err(const std::string& msg) { return "-" + msg + "\r\n"; }
// A RESP3 double, written as the server writes it ("1", "inf", "1.5").
inline std::string Dbl3(const std::string& s) { return "," + s + "\r\n"; }

// An array of bulk strings.
inline std::string Arr(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += Bulk(s);
  return out;
}
// An array of integers.
inline std::string Ints(const std::vector<long long>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (long long i : items) out += Int(i);
  return out;
}
// An array whose elements are already encoded replies (Int(..), Bulk(..), kNil, nested arrays).
inline std::string RawArr(const std::vector<std::string>& encoded) {
  std::string out = "*" + std::to_string(encoded.size()) + "\r\n";
  for (const std::string& e : encoded) out += e;
  return out;
}

// --- Readers -----------------------------------------------------------------------------------

// The payloads of the non-null bulk strings of a RESP2/RESP3 reply, in order, at any nesting
// depth (SCAN's [cursor, [keys]] gives the cursor first). Binary-safe: payloads are read by
// their length, so they may hold CR/LF. Null bulks are skipped; other types give nothing.
inline std::vector<std::string> Bulks(const std::string& reply) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < reply.size()) {
    size_t eol = reply.find("\r\n", pos);
    if (eol == std::string::npos) break;
    if (reply[pos] == '$' && reply[pos + 1] != '-') {
      size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
      out.push_back(reply.substr(eol + 2, len));
      pos = eol + 2 + len + 2;
    } else {
      pos = eol + 2;
    }
  }
  return out;
}

// `v` in bytewise order, for replies whose order Redis leaves unspecified.
inline std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace ringkv::test
