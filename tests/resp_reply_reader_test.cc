#include <gtest/gtest.h>

#include "resp/reply_reader.h"

namespace ringkv::resp {
namespace {

std::string RoundTrip(std::string_view in, int proto = 2) {
  ReplyValue v;
  size_t n = ReadReply(in, &v);
  EXPECT_EQ(n, in.size()) << in;
  std::string out;
  ReplyWriter w(&out, proto);
  WriteReply(v, &w);
  return out;
}

TEST(ReplyReaderTest, EveryTypeRoundTrips) {
  for (std::string s : {"+OK\r\n", "-ERR bad thing\r\n", ":-42\r\n", "$3\r\nabc\r\n", "$0\r\n\r\n",
                        "$-1\r\n", "*0\r\n", "*3\r\n$1\r\na\r\n$-1\r\n*2\r\n:1\r\n+x\r\n"}) {
    EXPECT_EQ(RoundTrip(s), s);
  }
  EXPECT_EQ(RoundTrip("*-1\r\n"), "$-1\r\n");  // both nulls read as one null
  EXPECT_EQ(RoundTrip("_\r\n"), "$-1\r\n");
  EXPECT_EQ(RoundTrip("$-1\r\n", 3), "_\r\n");
}

TEST(ReplyReaderTest, BinaryBulkKeepsCrLf) {
  std::string s("$4\r\na\r\n\0\r\n", 10);
  ReplyValue v;
  ASSERT_EQ(ReadReply(s, &v), s.size());
  EXPECT_EQ(v.str, std::string("a\r\n\0", 4));
}

TEST(ReplyReaderTest, IncompleteOrMalformedReadsNothing) {
  ReplyValue v;
  for (std::string s : {"", "+OK", "$3\r\nab", "*2\r\n:1\r\n", ":x\r\n", "?\r\n", "$x\r\n",
                        "*4294967295\r\n", "_x\r\n"}) {
    EXPECT_EQ(ReadReply(s, &v), 0u) << s;
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  EXPECT_EQ(ReadReply(deep, &v), 0u);
}

TEST(ReplyReaderTest, ReadsOnlyTheFirstReply) {
  ReplyValue v;
  EXPECT_EQ(ReadReply("+OK\r\n:1\r\n", &v), 5u);
  EXPECT_EQ(v.type, ReplyValue::Type::kSimple);
}

}  // namespace
}  // namespace ringkv::resp
