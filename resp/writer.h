#pragma once
// RESP2/RESP3 reply encoder. Appends to a caller-owned std::string; chooses encodings by the
// protocol version set per connection with HELLO. Standard library only; not thread-safe.
//
// RESP2 fallbacks, as Redis 7.0 does them: null -> "$-1", null array -> "*-1", map -> flat array
// of 2n, set -> array, double -> bulk string ("%.17g"), boolean -> ":1"/":0", verbatim -> bulk
// string of the text only, big number -> bulk string.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringkv::resp {

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out, int proto = 2) : out_(out), proto_(proto) {}

  int proto() const { return proto_; }
  void SetProto(int proto) { proto_ = proto; }
  std::string* buffer() { return out_; }
  void SetBuffer(std::string* out) { out_ = out; }

  void Ok() { Raw("+OK\r\n"); }
  void Simple(std::string_view s);  // "+s\r\n"
  // "-text\r\n"; text is "PREFIX message" (e.g. "ERR syntax error"). CR and LF inside text are
  // replaced by spaces so a message can never break the framing.
  void Error(std::string_view text);
  void Integer(int64_t v);            // ":v\r\n"
  void Bulk(std::string_view s);      // "$len\r\ns\r\n"
  void Null();                        // RESP2 "$-1\r\n", RESP3 "_\r\n"
  void NullArray();                   // RESP2 "*-1\r\n", RESP3 "_\r\n"
  void ArrayHeader(size_t n);         // "*n\r\n"
  void MapHeader(size_t n);           // RESP3 "%n\r\n", RESP2 "*2n\r\n"
  void SetHeader(size_t n);           // RESP3 "~n\r\n", RESP2 "*n\r\n"
  void Double(double v);              // RESP3 ",v\r\n" (inf, -inf, nan), RESP2 bulk "%.17g"
  void Boolean(bool v);               // RESP3 "#t\r\n"/"#f\r\n", RESP2 ":1\r\n"/":0\r\n"
  // RESP3 "=len\r\nfmt:text\r\n" (fmt is 3 chars, e.g. "txt"), RESP2 bulk of text.
  void Verbatim(std::string_view text, std::string_view fmt = "txt");
  void BigNumber(std::string_view digits);  // RESP3 "(digits\r\n", RESP2 bulk
  void Raw(std::string_view bytes) { out_->append(bytes); }

 private:
  void Header(char type, int64_t n);

  std::string* out_;
  int proto_;
};

}  // namespace ringkv::resp
