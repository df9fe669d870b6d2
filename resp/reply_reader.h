#pragma once
// Reads RESP replies back into values: the entry node merges the replies of fanned-out
// sub-requests (MGET over several nodes, DBSIZE over the cluster). Handles RESP2 and the RESP3
// null; standard library only; pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "resp/writer.h"

namespace ringkv::resp {

struct ReplyValue {
  enum class Type : char {
    kSimple = '+',
    kError = '-',
    kInteger = ':',
    kBulk = '$',
    kArray = '*',
    kNull = '_',  // "$-1", "*-1" and RESP3 "_"
  };
  Type type = Type::kNull;
  std::string str;  // simple, error (without '-'), bulk
  int64_t integer = 0;
  std::vector<ReplyValue> elements;

  bool IsError() const { return type == Type::kError; }
};

// Parses one complete reply at the start of `data` into *out. Returns the number of bytes it
// took, or 0 if `data` does not start with a complete, well-formed reply (then *out is
// unspecified). Nesting is limited to 32 levels.
size_t ReadReply(std::string_view data, ReplyValue* out);

// Writes `v` with `w` in the writer's protocol (a null becomes "$-1" or "_").
void WriteReply(const ReplyValue& v, ReplyWriter* w);

}  // namespace ringkv::resp
