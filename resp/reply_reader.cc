#include "resp/reply_reader.h"

#include <charconv>

namespace ringkv::resp {
namespace {

// Reads "<digits>\r\n" starting at pos; returns the position after CRLF, or npos.
size_t ReadLine(std::string_view data, size_t pos, std::string_view* line) {
  size_t cr = data.find("\r\n", pos);
  if (cr == std::string_view::npos) return std::string_view::npos;
  *line = data.substr(pos, cr - pos);
  return cr + 2;
}

bool ToInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

size_t Read(std::string_view data, size_t pos, ReplyValue* out, int depth) {
  if (depth > 32 || pos >= data.size()) return 0;
  char type = data[pos];
  std::string_view line;
  size_t next = ReadLine(data, pos + 1, &line);
  if (next == std::string_view::npos) return 0;
  out->elements.clear();
  switch (type) {
    case '+':
    case '-':
      out->type = type == '+' ? ReplyValue::Type::kSimple : ReplyValue::Type::kError;
      out->str.assign(line);
      return next;
    case ':':
      out->type = ReplyValue::Type::kInteger;
      return ToInt(line, &out->integer) ? next : 0;
    case '_':
      out->type = ReplyValue::Type::kNull;
      return line.empty() ? next : 0;
    case '$': {
      int64_t len;
      if (!ToInt(line, &len)) return 0;
      if (len < 0) {
        out->type = ReplyValue::Type::kNull;
        return next;
      }
      if (data.size() - next < static_cast<uint64_t>(len) + 2) return 0;
      out->type = ReplyValue::Type::kBulk;
      out->str.assign(data.substr(next, static_cast<size_t>(len)));
      return next + static_cast<size_t>(len) + 2;
    }
    case '*': {
      int64_t n;
      if (!ToInt(line, &n)) return 0;
      if (n < 0) {
        out->type = ReplyValue::Type::kNull;
        return next;
      }
      // Never reserve by the announced count: each element needs at least 3 bytes.
      if (static_cast<uint64_t>(n) > (data.size() - next) / 3) return 0;
      out->type = ReplyValue::Type::kArray;
      out->elements.resize(static_cast<size_t>(n));
      for (auto& e : out->elements) {
        next = Read(data, next, &e, depth + 1);
        if (next == 0) return 0;
      }
      return next;
    }
    default:
      return 0;
  }
}

}  // namespace

size_t ReadReply(std::string_view data, ReplyValue* out) { return Read(data, 0, out, 0); }

void WriteReply(const ReplyValue& v, ReplyWriter* w) {
  switch (v.type) {
    case ReplyValue::Type::kSimple:
      w->Simple(v.str);
      break;
    case ReplyValue::Type::kError:
      w->Error(v.str);
      break;
    case ReplyValue::Type::kInteger:
      w->Integer(v.integer);
      break;
    case ReplyValue::Type::kBulk:
      w->Bulk(v.str);
      break;
    case ReplyValue::Type::kNull:
      w->Null();
      break;
    case ReplyValue::Type::kArray:
      w->ArrayHeader(v.elements.size());
      for (const auto& e : v.elements) WriteReply(e, w);
      break;
  }
}

}  // namespace ringkv::resp
