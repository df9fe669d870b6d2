// RESP2/RESP3 reply encoder.
//
// Byte formats follow Redis 7.0's networking.c (addReplyDouble, addReplyVerbatim, addReplyBool,
// addReplyNull*, addReplyErrorFormat's CR/LF scrubbing). Headers and integers are formatted with a
// two-digits-at-a-time table into a stack buffer and appended once: no snprintf on the hot path.
// Doubles use snprintf("%.17g") exactly like Redis 7.0, except that every NaN prints as "nan"
// (glibc would print "-nan" for a negative NaN; RESP3 only defines "nan").

#include "resp/writer.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace ringkv::resp {
namespace {

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes the decimal form of v so that it ends just before `end`; returns its first byte.
char* FormatUnsigned(uint64_t v, char* end) {
  while (v >= 100) {
    const size_t i = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    end -= 2;
    std::memcpy(end, kDigitPairs + i, 2);
  }
  if (v < 10) {
    *--end = static_cast<char>('0' + v);
  } else {
    end -= 2;
    std::memcpy(end, kDigitPairs + v * 2, 2);
  }
  return end;
}

// Signed variant; correct for INT64_MIN (negated in unsigned arithmetic).
char* FormatSigned(int64_t v, char* end) {
  if (v >= 0) return FormatUnsigned(static_cast<uint64_t>(v), end);
  char* start = FormatUnsigned(0 - static_cast<uint64_t>(v), end);
  *--start = '-';
  return start;
}

}  // namespace

void ReplyWriter::Header(char type, int64_t n) {
  char buf[24];  // type + sign + 19 digits + CRLF
  char* end = buf + sizeof(buf);
  end[-2] = '\r';
  end[-1] = '\n';
  char* start = FormatSigned(n, end - 2);
  *--start = type;
  out_->append(start, static_cast<size_t>(end - start));
}

void ReplyWriter::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::Error(std::string_view text) {
  out_->push_back('-');
  const size_t from = out_->size();
  out_->append(text);
  for (size_t i = from; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::Integer(int64_t v) { Header(':', v); }

void ReplyWriter::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::Null() { Raw(proto_ >= 3 ? std::string_view("_\r\n") : "$-1\r\n"); }

void ReplyWriter::NullArray() { Raw(proto_ >= 3 ? std::string_view("_\r\n") : "*-1\r\n"); }

void ReplyWriter::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyWriter::MapHeader(size_t n) {
  if (proto_ >= 3) {
    Header('%', static_cast<int64_t>(n));
  } else {
    Header('*', static_cast<int64_t>(n) * 2);
  }
}

void ReplyWriter::SetHeader(size_t n) { Header(proto_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyWriter::Double(double v) {
  char buf[64];
  int len;
  if (std::isnan(v)) {
    len = 3;
    std::memcpy(buf, "nan", 3);
  } else if (std::isinf(v)) {
    len = v > 0 ? 3 : 4;
    std::memcpy(buf, v > 0 ? "inf" : "-inf", static_cast<size_t>(len));
  } else {
    len = std::snprintf(buf, sizeof(buf), "%.17g", v);
  }
  const std::string_view text(buf, static_cast<size_t>(len));
  if (proto_ >= 3) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n", 2);
  } else {
    Bulk(text);
  }
}

void ReplyWriter::Boolean(bool v) {
  if (proto_ >= 3) {
    Raw(v ? "#t\r\n" : "#f\r\n");
  } else {
    Raw(v ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyWriter::Verbatim(std::string_view text, std::string_view fmt) {
  if (proto_ < 3) {
    Bulk(text);
    return;
  }
  // As addReplyVerbatim: the format is exactly 3 bytes, padded with spaces or cut.
  Header('=', static_cast<int64_t>(text.size()) + 4);
  char prefix[4] = {' ', ' ', ' ', ':'};
  if (!fmt.empty()) std::memcpy(prefix, fmt.data(), fmt.size() < 3 ? fmt.size() : 3);
  out_->append(prefix, 4);
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyWriter::BigNumber(std::string_view digits) {
  if (proto_ < 3) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

}  // namespace ringkv::resp
