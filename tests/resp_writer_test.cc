// Tests for resp::ReplyWriter: every method in RESP2 and RESP3, byte for byte. Expected bytes are
// those redis-server 7.0.15 sends (e.g. ZSCORE for doubles, CLIENT INFO for verbatim strings).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "resp/writer.h"

namespace ringkv::resp {
namespace {

// Runs `fn` on a writer of the given protocol and returns what it wrote.
template <typename Fn>
std::string Write(int proto, Fn fn) {
  std::string out;
  ReplyWriter w(&out, proto);
  fn(w);
  return out;
}

TEST(WriterTest, ProtocolAndBuffer) {
  std::string a, b;
  ReplyWriter w(&a);
  EXPECT_EQ(w.proto(), 2);
  EXPECT_EQ(w.buffer(), &a);
  w.Ok();
  w.SetBuffer(&b);
  w.SetProto(3);
  EXPECT_EQ(w.proto(), 3);
  EXPECT_EQ(w.buffer(), &b);
  w.Null();
  EXPECT_EQ(a, "+OK\r\n");
  EXPECT_EQ(b, "_\r\n");
}

TEST(WriterTest, AppendsWithoutClearing) {
  std::string out = "existing";
  ReplyWriter w(&out);
  w.Integer(5);
  w.Bulk("x");
  EXPECT_EQ(out, "existing:5\r\n$1\r\nx\r\n");
}

TEST(WriterTest, OkSimpleRaw) {
  for (int proto : {2, 3}) {
    EXPECT_EQ(Write(proto, [](ReplyWriter& w) { w.Ok(); }), "+OK\r\n");
    EXPECT_EQ(Write(proto, [](ReplyWriter& w) { w.Simple("PONG"); }), "+PONG\r\n");
    EXPECT_EQ(Write(proto, [](ReplyWriter& w) { w.Simple(""); }), "+\r\n");
    EXPECT_EQ(Write(proto, [](ReplyWriter& w) { w.Raw(std::string_view("a\0b", 3)); }),
              std::string("a\0b", 3));
  }
}

TEST(WriterTest, ErrorScrubsLineBreaks) {
  for (int proto : {2, 3}) {
    EXPECT_EQ(Write(proto, [](ReplyWriter& w) { w.Error("ERR syntax error"); }),
              "-ERR syntax error\r\n");
    EXPECT_EQ(Write(proto, [](ReplyWriter& w) { w.Error("ERR bad\r\nthing\nhere\r"); }),
              "-ERR bad  thing here \r\n");
    EXPECT_EQ(
        Write(proto, [](ReplyWriter& w) { w.Error("ERR Protocol error: expected '$', got '\r'"); }),
        "-ERR Protocol error: expected '$', got ' '\r\n");
  }
}

TEST(WriterTest, IntegersMatchDecimalFormatting) {
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Write(2, [&](ReplyWriter& w) { w.Integer(kMin); }), ":-9223372036854775808\r\n");
  EXPECT_EQ(Write(2, [&](ReplyWriter& w) { w.Integer(kMax); }), ":9223372036854775807\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Integer(0); }), ":0\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Integer(-1); }), ":-1\r\n");
  // Every digit count, around each power of ten, both signs.
  for (int64_t p = 1;; p *= 10) {
    for (int64_t v : {p - 1, p, p + 1, p / 7 * 9, -p, -(p - 1), -(p + 1)}) {
      EXPECT_EQ(Write(2, [&](ReplyWriter& w) { w.Integer(v); }), ":" + std::to_string(v) + "\r\n");
    }
    if (p > kMax / 10) break;
  }
  for (int64_t v = -1000; v <= 1000; ++v) {
    EXPECT_EQ(Write(2, [&](ReplyWriter& w) { w.Integer(v); }), ":" + std::to_string(v) + "\r\n");
  }
}

TEST(WriterTest, BulkIsBinarySafe) {
  for (int proto : {2, 3}) {
    EXPECT_EQ(Write(proto, [](ReplyWriter& w) { w.Bulk("hello"); }), "$5\r\nhello\r\n");
    EXPECT_EQ(Write(proto, [](ReplyWriter& w) { w.Bulk(""); }), "$0\r\n\r\n");
    const std::string bin("a\0\r\nb", 5);
    EXPECT_EQ(Write(proto, [&](ReplyWriter& w) { w.Bulk(bin); }), "$5\r\n" + bin + "\r\n");
    const std::string big(100000, 'x');
    EXPECT_EQ(Write(proto, [&](ReplyWriter& w) { w.Bulk(big); }), "$100000\r\n" + big + "\r\n");
  }
}

TEST(WriterTest, Nulls) {
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Null(); }), "$-1\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Null(); }), "_\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.NullArray(); }), "*-1\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.NullArray(); }), "_\r\n");
}

TEST(WriterTest, AggregateHeaders) {
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.ArrayHeader(0); }), "*0\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.ArrayHeader(12345); }), "*12345\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.MapHeader(3); }), "*6\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.MapHeader(3); }), "%3\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.MapHeader(0); }), "*0\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.MapHeader(0); }), "%0\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.SetHeader(4); }), "*4\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.SetHeader(4); }), "~4\r\n");
}

TEST(WriterTest, DoubleResp2IsBulk) {
  auto d = [](double v) { return Write(2, [&](ReplyWriter& w) { w.Double(v); }); };
  EXPECT_EQ(d(0.1), "$19\r\n0.10000000000000001\r\n");
  EXPECT_EQ(d(3), "$1\r\n3\r\n");
  EXPECT_EQ(d(1.5), "$3\r\n1.5\r\n");
  EXPECT_EQ(d(-2.25), "$5\r\n-2.25\r\n");
  EXPECT_EQ(d(0), "$1\r\n0\r\n");
  EXPECT_EQ(d(-0.0), "$2\r\n-0\r\n");
  EXPECT_EQ(d(1e300), "$23\r\n1.0000000000000001e+300\r\n");
  EXPECT_EQ(d(1e-5), "$22\r\n1.0000000000000001e-05\r\n");
  EXPECT_EQ(d(123456789012345678.0), "$22\r\n1.2345678901234568e+17\r\n");
  EXPECT_EQ(d(std::numeric_limits<double>::infinity()), "$3\r\ninf\r\n");
  EXPECT_EQ(d(-std::numeric_limits<double>::infinity()), "$4\r\n-inf\r\n");
  EXPECT_EQ(d(std::nan("")), "$3\r\nnan\r\n");
  EXPECT_EQ(d(-std::nan("")), "$3\r\nnan\r\n");
}

TEST(WriterTest, DoubleResp3) {
  auto d = [](double v) { return Write(3, [&](ReplyWriter& w) { w.Double(v); }); };
  EXPECT_EQ(d(0.1), ",0.10000000000000001\r\n");
  EXPECT_EQ(d(3), ",3\r\n");
  EXPECT_EQ(d(-2.25), ",-2.25\r\n");
  EXPECT_EQ(d(-0.0), ",-0\r\n");
  EXPECT_EQ(d(1e300), ",1.0000000000000001e+300\r\n");
  EXPECT_EQ(d(std::numeric_limits<double>::infinity()), ",inf\r\n");
  EXPECT_EQ(d(-std::numeric_limits<double>::infinity()), ",-inf\r\n");
  EXPECT_EQ(d(std::nan("")), ",nan\r\n");
  EXPECT_EQ(d(-std::nan("")), ",nan\r\n");
}

TEST(WriterTest, Boolean) {
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Boolean(true); }), ":1\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Boolean(false); }), ":0\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Boolean(true); }), "#t\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Boolean(false); }), "#f\r\n");
}

TEST(WriterTest, Verbatim) {
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Verbatim("id=1\n"); }), "$5\r\nid=1\n\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Verbatim("id=1\n"); }), "=9\r\ntxt:id=1\n\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Verbatim("# x", "mkd"); }), "=7\r\nmkd:# x\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Verbatim(""); }), "=4\r\ntxt:\r\n");
  // As addReplyVerbatim: the format is padded with spaces or cut to 3 bytes.
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Verbatim("a", "t"); }), "=5\r\nt  :a\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Verbatim("a", "text"); }), "=5\r\ntex:a\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.Verbatim("a", ""); }), "=5\r\n   :a\r\n");
  EXPECT_EQ(Write(2, [](ReplyWriter& w) { w.Verbatim("a", "mkd"); }), "$1\r\na\r\n");
}

TEST(WriterTest, BigNumber) {
  const std::string digits = "3492890328409238509324850943850943825024385";
  EXPECT_EQ(Write(2, [&](ReplyWriter& w) { w.BigNumber(digits); }), "$43\r\n" + digits + "\r\n");
  EXPECT_EQ(Write(3, [&](ReplyWriter& w) { w.BigNumber(digits); }), "(" + digits + "\r\n");
  EXPECT_EQ(Write(3, [](ReplyWriter& w) { w.BigNumber("-12"); }), "(-12\r\n");
}

TEST(WriterTest, NestedReplyMatchesRedis) {
  // HGETALL-like map in both protocols, as Redis encodes it.
  auto reply = [](ReplyWriter& w) {
    w.MapHeader(2);
    w.Bulk("f1");
    w.Integer(1);
    w.Bulk("f2");
    w.Null();
  };
  EXPECT_EQ(Write(2, reply), "*4\r\n$2\r\nf1\r\n:1\r\n$2\r\nf2\r\n$-1\r\n");
  EXPECT_EQ(Write(3, reply), "%2\r\n$2\r\nf1\r\n:1\r\n$2\r\nf2\r\n_\r\n");
}

}  // namespace
}  // namespace ringkv::resp
