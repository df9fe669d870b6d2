#include "util.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace ringkv {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[0] < '1' || s[0] > '9') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
    if (s.empty()) return false;
  }
  uint64_t v;
  if (!ParseUint64(s, &v)) return false;
  if (negative) {
    if (v == 0 && s == "0") return false;  // Redis rejects "-0"
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  constexpr size_t kMaxChars = 5 * 1024;
  if (s.empty() || s.size() > kMaxChars) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char buf[kMaxChars + 1];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end;
  errno = 0;
  long double v = std::strtold(buf, &end);
  if (static_cast<size_t>(end - buf) != s.size() || (errno == ERANGE && std::isinf(v)) ||
      std::isnan(v))
    return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5 * 1024) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (static_cast<size_t>(end - buf.c_str()) != buf.size() || errno == ERANGE || std::isnan(v))
    return false;
  *out = v;
  return true;
}

std::string FormatLongDouble(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[5 * 1024 + 64];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (len <= 0 || static_cast<size_t>(len) >= sizeof(buf)) return "0";
  if (std::strchr(buf, '.') != nullptr) {
    char* p = buf + len - 1;
    while (*p == '0') {
      --p;
      --len;
    }
    if (*p == '.') --len;
  }
  std::string out(buf, static_cast<size_t>(len));
  if (out == "-0") out = "0";
  return out;
}

namespace {

bool GlobMatchImpl(const char* p, size_t plen, const char* s, size_t slen, bool nocase,
                   int nesting) {
  // Bounded recursion, as Redis 7.0.15 does, so "*a*a*a..." patterns cannot blow the stack.
  if (nesting > 1000) return false;
  auto lower = [nocase](char c) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
  };
  while (plen > 0 && slen > 0) {
    switch (p[0]) {
      case '*':
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;
        while (slen > 0) {
          if (GlobMatchImpl(p + 1, plen - 1, s, slen, nocase, nesting + 1)) return true;
          ++s;
          --slen;
        }
        return false;
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool match = false;
        while (true) {
          if (plen == 0) {  // unterminated class: Redis steps back onto the last char
            --p;
            ++plen;
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            ++p;
            --plen;
            if (p[0] == s[0]) match = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            char start = lower(p[0]), end = lower(p[2]), c = lower(s[0]);
            if (start > end) std::swap(start, end);
            if (c >= start && c <= end) match = true;
            p += 2;
            plen -= 2;
          } else if (lower(p[0]) == lower(s[0])) {
            match = true;
          }
          ++p;
          --plen;
        }
        if (negate) match = !match;
        if (!match) return false;
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (lower(p[0]) != lower(s[0])) return false;
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen > 0 && *p == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  return GlobMatchImpl(pattern.data(), pattern.size(), str.data(), str.size(), nocase, 0);
}

// Redis's parseScanCursorOrReply: strtoul over the whole argument. So "" is 0, a sign is
// allowed and "-1" wraps to 2^64-1, a leading space or any trailing byte or overflow is invalid.
bool ParseScanCursor(std::string_view s, uint64_t* out) {
  if (s.empty()) {
    *out = 0;
    return true;
  }
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  bool negative = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;  // a sign alone: strtoul converts nothing
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;  // ERANGE
    v = v * 10 + d;
  }
  *out = negative ? 0 - v : v;
  return true;
}

bool ParseMemory(std::string_view s, int64_t* out) {
  std::string lower = ToLower(s);
  int64_t mul = 1;
  auto ends = [&](std::string_view suf) {
    return lower.size() > suf.size() &&
           lower.compare(lower.size() - suf.size(), suf.size(), suf) == 0;
  };
  size_t cut = 0;
  if (ends("kb")) {
    mul = 1024;
    cut = 2;
  } else if (ends("mb")) {
    mul = 1024LL * 1024;
    cut = 2;
  } else if (ends("gb")) {
    mul = 1024LL * 1024 * 1024;
    cut = 2;
  } else if (ends("k")) {
    mul = 1000;
    cut = 1;
  } else if (ends("m")) {
    mul = 1000LL * 1000;
    cut = 1;
  } else if (ends("g")) {
    mul = 1000LL * 1000 * 1000;
    cut = 1;
  }
  int64_t v;
  if (!ParseInt64(std::string_view(lower).substr(0, lower.size() - cut), &v) || v < 0) return false;
  if (v > std::numeric_limits<int64_t>::max() / mul) return false;
  *out = v * mul;
  return true;
}

}  // namespace ringkv
