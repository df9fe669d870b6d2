#pragma once
// Small string and number helpers with Redis's exact acceptance rules. Pure; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace ringkv {

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// As Redis string2ll: optional '-', digits, no '+', no spaces, no leading zeros, fits int64.
bool ParseInt64(std::string_view s, int64_t* out);
// As Redis string2ull for non-negative values (used for SCAN cursors).
bool ParseUint64(std::string_view s, uint64_t* out);
// As Redis string2ld: strtold over the whole string, no leading space, not NaN; at most 5 KiB.
bool ParseLongDouble(std::string_view s, long double* out);
// As Redis strtod use in getDoubleFromObject: whole string, no leading space, not NaN.
bool ParseDouble(std::string_view s, double* out);
// As Redis ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare '.') removed;
// "-0" becomes "0". Used by INCRBYFLOAT.
std::string FormatLongDouble(long double v);

// As Redis parseScanCursorOrReply (strtoul over the whole argument): "" is 0, a sign is
// allowed ("-1" wraps), leading space, trailing bytes or overflow are invalid.
bool ParseScanCursor(std::string_view s, uint64_t* out);

// Glob matching as Redis stringmatchlen: * ? [abc] [^a] [a-z] and \ escapes.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// Memory sizes as redis.conf takes them: "100", "1k" (1000), "1kb" (1024), "512mb", "1gb".
bool ParseMemory(std::string_view s, int64_t* out);

}  // namespace ringkv
