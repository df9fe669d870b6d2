// Bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO) and LCS, with
// Redis 7.0.15's replies, error texts and argument rules (bitops.c, t_string.c lcsCommand).
//
// All of them work on string values, read and written whole (Get, modify the bytes, Put), as
// SETRANGE does: a bitmap is a string whose bit 0 is the most significant bit of byte 0. Writes
// take the key's stripe lock around the whole read-modify-write and keep the key's expiry, as
// Redis modifies the value in place; BITOP's destination is replaced (no expiry) or deleted when
// the result is empty. Every handler finishes its storage write before writing its reply.
//
// Argument checks happen in Redis's order, which is observable: BITCOUNT looks the key up before
// parsing its range (a missing key answers 0 whatever the range), BITPOS parses the bit first,
// BITFIELD parses every subcommand before touching the key.
//
// Memory. A bit offset is limited to proto-max-bulk-len bytes (512MB), so SETBIT/BITFIELD never
// grow a value past that. BITOP folds its sources into the result one at a time, so it holds the
// result plus one source however many keys are named (Redis holds them all; here each would be
// a copy). LCS keeps Redis's refusal of inputs whose (len1+1)*(len2+1)*4-byte table would exceed
// proto-max-bulk-len, but never allocates that table: it keeps two rows of lengths and one
// direction bit per cell, 1/32 of Redis's memory (16MB at most with the default 512MB), and
// refuses outright above kLcsMaxCells cells whatever proto-max-bulk-len is raised to.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_table.h"
#include "commands/cmd_util.h"
#include "errors.h"
#include "server_state.h"
#include "storage/storage.h"
#include "util.h"

namespace ringkv {
namespace {

using cmd::LookupMeta;
using cmd::LookupRead;
using cmd::MarkDirty;
using resp::ReplyWriter;
using storage::Entry;
using storage::ValueType;

constexpr std::string_view kBitOffsetError = "bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "bit is not an integer or out of range";
constexpr std::string_view kBitposBitError = "The bit argument must be 1 or 0.";
constexpr std::string_view kBitopNotError = "BITOP NOT must be called with a single source key.";
constexpr std::string_view kBitfieldTypeError =
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
constexpr std::string_view kOverflowTypeError = "Invalid OVERFLOW type specified";
constexpr std::string_view kBitfieldRoError = "BITFIELD_RO only supports the GET subcommand";
constexpr std::string_view kLcsTypeError = "The specified keys must contain string values";
constexpr std::string_view kLcsLenIdxError =
    "If you want both the length and indexes, please just use IDX.";
constexpr std::string_view kLcsTooLongError = "String too long for LCS";
constexpr std::string_view kLcsOverBulkLenError =
    "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
constexpr std::string_view kLcsAllocError =
    "Insufficient memory, failed allocating transient memory for LCS";

// LCS's hard ceiling, independent of proto-max-bulk-len: 2^30 cells is a 128MB direction-bit
// table and about a second of CPU. With the default proto-max-bulk-len Redis's own rule (at most
// 2^27 cells) refuses first, so this only bites when the setting has been raised above 4GB.
constexpr uint64_t kLcsMaxCells = uint64_t{1} << 30;
constexpr std::string_view kLcsOverCapError =
    "Insufficient memory, transient memory for LCS exceeds 128mb (ringkv's limit of 2^30 table "
    "cells)";

Status Err(std::string_view msg) { return Status::Err(std::string(msg)); }

uint64_t ProtoMaxBulkLen(CommandContext& ctx) {
  return static_cast<uint64_t>(ctx.config().proto_max_bulk_len.load(std::memory_order_relaxed));
}

// ---------------------------------------------------------------------------------------------
// Bit primitives over a byte string. Bit n is bit 7 - n%8 of byte n/8 (SETBIT's convention).

uint64_t Popcount(const unsigned char* p, size_t n) {
  uint64_t bits = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    bits += static_cast<uint64_t>(__builtin_popcountll(w));
  }
  for (; i < n; ++i) bits += static_cast<uint64_t>(__builtin_popcount(p[i]));
  return bits;
}

// redisBitpos: the position of the first bit equal to `bit` in the `count` bytes at s. The bytes
// are taken as zero-padded on the right, so looking for 0 always succeeds (count*8 when every
// byte is 0xff); looking for 1 in all-zero bytes gives -1.
int64_t FirstBit(const unsigned char* s, size_t count, int bit) {
  const unsigned char skip = bit ? 0x00 : 0xff;
  const uint64_t skip_word = bit ? 0 : ~uint64_t{0};
  size_t i = 0;
  while (i + 8 <= count) {
    uint64_t w;
    std::memcpy(&w, s + i, 8);
    if (w != skip_word) break;
    i += 8;
  }
  while (i < count && s[i] == skip) ++i;
  if (i == count) return bit ? -1 : static_cast<int64_t>(count) * 8;
  const unsigned byte = s[i];
  for (int b = 0; b < 8; ++b) {
    if (((byte >> (7 - b)) & 1u) == static_cast<unsigned>(bit)) {
      return static_cast<int64_t>(i) * 8 + b;
    }
  }
  return -1;  // unreachable: byte != skip holds a matching bit
}

// Bitfield access (getUnsignedBitfield & co). Bytes past the end of `s` read as 0; writes need
// the string already grown to cover offset + bits.
uint64_t GetUnsignedField(std::string_view s, uint64_t offset, int bits) {
  uint64_t value = 0;
  for (int j = 0; j < bits; ++j, ++offset) {
    const uint64_t byte = offset >> 3;
    const unsigned bit = 7 - static_cast<unsigned>(offset & 7);
    const unsigned byteval = byte < s.size() ? static_cast<unsigned char>(s[byte]) : 0u;
    value = (value << 1) | ((byteval >> bit) & 1u);
  }
  return value;
}

int64_t GetSignedField(std::string_view s, uint64_t offset, int bits) {
  uint64_t u = GetUnsignedField(s, offset, bits);
  // Sign-extend from the field's top bit.
  if (bits < 64 && (u & (uint64_t{1} << (bits - 1)))) u |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(u);
}

void SetUnsignedField(std::string* s, uint64_t offset, int bits, uint64_t value) {
  for (int j = 0; j < bits; ++j, ++offset) {
    const unsigned bitval = (value >> (bits - 1 - j)) & 1u;
    const uint64_t byte = offset >> 3;
    const unsigned bit = 7 - static_cast<unsigned>(offset & 7);
    unsigned byteval = static_cast<unsigned char>((*s)[byte]);
    byteval = (byteval & ~(1u << bit)) | (bitval << bit);
    (*s)[byte] = static_cast<char>(byteval);
  }
}

enum class Overflow { kWrap, kSat, kFail };

// checkUnsignedBitfieldOverflow: 0 when value+incr fits in `bits` unsigned bits, else 1
// (overflow) or -1 (underflow) with *limit the WRAP or SAT result. Arithmetic is done unsigned
// (Redis relies on two's-complement wrapping the same way).
int CheckUnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* limit) {
  const uint64_t max = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  const int64_t maxincr = static_cast<int64_t>(max - value);
  const int64_t minincr = static_cast<int64_t>(uint64_t{0} - value);
  int result = 0;
  if (value > max || (incr > 0 && incr > maxincr)) {
    result = 1;
    if (ow == Overflow::kSat) *limit = max;
  } else if (incr < 0 && incr < minincr) {
    result = -1;
    if (ow == Overflow::kSat) *limit = 0;
  }
  if (result != 0 && ow == Overflow::kWrap) {
    *limit = (value + static_cast<uint64_t>(incr)) & ~(~uint64_t{0} << bits);
  }
  return result;
}

// checkSignedBitfieldOverflow, as above for `bits` signed bits (two's complement wrap).
int CheckSignedOverflow(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* limit) {
  const int64_t max =
      bits == 64 ? INT64_MAX : static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1);
  const int64_t min = -max - 1;
  // These may wrap; they are only compared where the value range makes them exact.
  const int64_t maxincr =
      static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const int64_t minincr =
      static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  int result = 0;
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    result = 1;
    if (ow == Overflow::kSat) *limit = max;
  } else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr)) {
    result = -1;
    if (ow == Overflow::kSat) *limit = min;
  }
  if (result != 0 && ow == Overflow::kWrap) {
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      const uint64_t mask = ~uint64_t{0} << bits;
      if (c & (uint64_t{1} << (bits - 1))) {
        c |= mask;
      } else {
        c &= ~mask;
      }
    }
    *limit = static_cast<int64_t>(c);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Argument parsing

// getBitOffsetFromArgument: a non-negative integer whose byte (offset / 8) is below
// proto-max-bulk-len. With `hash` (BITFIELD), "#N" means N * bits; the product wraps as it does
// in Redis.
Status ParseBitOffset(CommandContext& ctx, std::string_view arg, bool hash, int bits,
                      uint64_t* out) {
  const bool use_hash = hash && bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t offset;
  if (!ParseInt64(use_hash ? arg.substr(1) : arg, &offset)) return Err(kBitOffsetError);
  if (use_hash) {
    offset = static_cast<int64_t>(static_cast<uint64_t>(offset) * static_cast<uint64_t>(bits));
  }
  if (offset < 0 || (static_cast<uint64_t>(offset) >> 3) >= ProtoMaxBulkLen(ctx)) {
    return Err(kBitOffsetError);
  }
  *out = static_cast<uint64_t>(offset);
  return Status::OK();
}

// getBitfieldTypeFromArgument: 'i' or 'u' then 1..64 bits (1..63 for unsigned). Redis reads the
// argument as a C string, so bytes after a NUL are ignored.
Status ParseBitfieldType(std::string_view arg, bool* is_signed, int* bits) {
  arg = arg.substr(0, arg.find('\0'));
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return Err(kBitfieldTypeError);
  *is_signed = arg[0] == 'i';
  int64_t n;
  if (!ParseInt64(arg.substr(1), &n) || n < 1 || n > (*is_signed ? 64 : 63)) {
    return Err(kBitfieldTypeError);
  }
  *bits = static_cast<int>(n);
  return Status::OK();
}

// Reads `key` for a write (no hit/miss count, as lookupKeyWrite) and makes sure its value covers
// byte `byte` (lookupStringForBitCommand). *grown: the key was created or lengthened. A missing
// key becomes an empty persistent string before growing.
Status LookupStringForWrite(CommandContext& ctx, std::string_view key, uint64_t byte, Entry* e,
                            bool* grown) {
  bool found;
  Status s = cmd::Lookup(ctx, key, e, &found);
  if (!s.ok()) return s;
  if (found && e->type != ValueType::kString) return Status::WrongType();
  if (!found) {
    e->type = ValueType::kString;
    e->expire_at_ms = 0;
    e->payload.clear();
  }
  const size_t old_len = e->payload.size();
  if (old_len < byte + 1) e->payload.resize(static_cast<size_t>(byte + 1), '\0');
  *grown = !found || e->payload.size() != old_len;
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// SETBIT / GETBIT

Status CmdSetBit(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  uint64_t offset = 0;
  Status s = ParseBitOffset(ctx, args[2], false, 0, &offset);
  if (!s.ok()) return s;
  int64_t on;
  if (!ParseInt64(args[3], &on) || (on & ~int64_t{1}) != 0) return Err(kBitValueError);

  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool grown;
  s = LookupStringForWrite(ctx, key, offset >> 3, &e, &grown);
  if (!s.ok()) return s;
  const size_t byte = static_cast<size_t>(offset >> 3);
  const unsigned bit = 7 - static_cast<unsigned>(offset & 7);
  unsigned byteval = static_cast<unsigned char>(e.payload[byte]);
  const bool old = (byteval >> bit) & 1u;
  if (grown || old != (on == 1)) {
    byteval = (byteval & ~(1u << bit)) | (static_cast<unsigned>(on) << bit);
    e.payload[byte] = static_cast<char>(byteval);
    s = ctx.storage().Put(key, e.payload, e.expire_at_ms, e.type);
    if (!s.ok()) return s;
    MarkDirty(ctx);
  }
  reply->Integer(old ? 1 : 0);
  return Status::OK();
}

Status CmdGetBit(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  uint64_t offset = 0;
  Status s = ParseBitOffset(ctx, args[2], false, 0, &offset);
  if (!s.ok()) return s;
  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  s = LookupRead(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (found && e.type != ValueType::kString) return Status::WrongType();
  const uint64_t byte = offset >> 3;
  int bitval = 0;
  if (found && byte < e.payload.size()) {
    bitval = (static_cast<unsigned char>(e.payload[byte]) >> (7 - (offset & 7))) & 1;
  }
  reply->Integer(bitval);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// BITCOUNT / BITPOS

// Parses "BIT" / "BYTE" (case-insensitive) into *is_bit.
Status ParseBitUnit(std::string_view arg, bool* is_bit) {
  if (EqualsIgnoreCase(arg, "bit")) {
    *is_bit = true;
  } else if (EqualsIgnoreCase(arg, "byte")) {
    *is_bit = false;
  } else {
    return cmd::SyntaxError();
  }
  return Status::OK();
}

// A range resolved to bytes [start, end] of the value, with masks of the bits of the first and
// last byte that lie outside a BIT range (0 when the range is in bytes or the edge is aligned).
struct ByteRange {
  int64_t start;
  int64_t end;
  unsigned first_neg_mask = 0;
  unsigned last_neg_mask = 0;
};

// Redis's index rules shared by BITCOUNT and BITPOS: negative indexes count from the end, then
// both are clamped into the value; a BIT range becomes a byte range plus edge masks.
ByteRange ResolveRange(int64_t start, int64_t end, int64_t totlen, bool is_bit) {
  if (is_bit) totlen <<= 3;
  if (start < 0) start += totlen;
  if (end < 0) end += totlen;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= totlen) end = totlen - 1;
  ByteRange r{start, end};
  if (is_bit && start <= end) {
    r.first_neg_mask = ~((1u << (8 - (start & 7))) - 1) & 0xffu;
    r.last_neg_mask = (1u << (7 - (end & 7))) - 1;
    r.start = start >> 3;
    r.end = end >> 3;
  }
  return r;
}

Status CmdBitCount(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Entry e;
  bool found;
  Status s = LookupRead(ctx, args[1], &e, &found);
  if (!s.ok()) return s;
  if (!found) {  // before any argument check, as Redis
    reply->Integer(0);
    return Status::OK();
  }
  if (e.type != ValueType::kString) return Status::WrongType();
  const auto* p = reinterpret_cast<const unsigned char*>(e.payload.data());
  const int64_t strlen = static_cast<int64_t>(e.payload.size());

  ByteRange r{0, strlen - 1};
  if (args.size() == 4 || args.size() == 5) {
    int64_t start, end;
    s = cmd::ParseIntArg(args[2], &start);
    if (!s.ok()) return s;
    s = cmd::ParseIntArg(args[3], &end);
    if (!s.ok()) return s;
    if (start < 0 && end < 0 && start > end) {  // before the unit is even parsed
      reply->Integer(0);
      return Status::OK();
    }
    bool is_bit = false;
    if (args.size() == 5) {
      s = ParseBitUnit(args[4], &is_bit);
      if (!s.ok()) return s;
    }
    r = ResolveRange(start, end, strlen, is_bit);
  } else if (args.size() != 2) {
    return cmd::SyntaxError();
  }

  if (r.start > r.end) {
    reply->Integer(0);
    return Status::OK();
  }
  uint64_t count = Popcount(p + r.start, static_cast<size_t>(r.end - r.start + 1));
  // Take back the bits of the edge bytes that lie outside a BIT range.
  if (r.first_neg_mask != 0)
    count -= static_cast<uint64_t>(__builtin_popcount(p[r.start] & r.first_neg_mask));
  if (r.last_neg_mask != 0)
    count -= static_cast<uint64_t>(__builtin_popcount(p[r.end] & r.last_neg_mask));
  reply->Integer(static_cast<int64_t>(count));
  return Status::OK();
}

// The search part of bitposCommand over bytes [r.start, r.end] of p, honouring the edge masks of
// a BIT range. Returns the absolute bit position, or -1.
int64_t BitposInRange(const unsigned char* p, ByteRange r, int bit, bool end_given) {
  int64_t start = r.start;
  int64_t bytes = r.end - r.start + 1;
  int64_t pos = -1;
  bool done = false;
  if (r.first_neg_mask != 0) {
    // The first byte, with the bits before the range forced to the value not looked for.
    unsigned char tmp = bit ? (p[start] & ~r.first_neg_mask) : (p[start] | r.first_neg_mask);
    if (r.last_neg_mask != 0 && bytes == 1) {
      tmp = bit ? (tmp & ~r.last_neg_mask) : (tmp | r.last_neg_mask);
    }
    pos = FirstBit(&tmp, 1, bit);
    if (bytes == 1 || (pos != -1 && pos != 8)) {
      done = true;
    } else {
      ++start;
      --bytes;
    }
  }
  if (!done) {
    // Whole bytes, leaving out a last byte that is only partly in the range.
    const int64_t curbytes = bytes - (r.last_neg_mask != 0 ? 1 : 0);
    if (curbytes > 0) {
      pos = FirstBit(p + start, static_cast<size_t>(curbytes), bit);
      if (bytes == curbytes || (pos != -1 && pos != curbytes * 8)) {
        done = true;
      } else {
        start += curbytes;
        bytes -= curbytes;
      }
    }
  }
  if (!done) {
    unsigned char tmp = bit ? (p[r.end] & ~r.last_neg_mask) : (p[r.end] | r.last_neg_mask);
    pos = FirstBit(&tmp, 1, bit);
  }
  // Looking for 0 in an explicit range: the zero padding past the range does not count.
  if (end_given && bit == 0 && pos == bytes * 8) return -1;
  if (pos != -1) pos += start * 8;
  return pos;
}

Status CmdBitPos(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t bit;
  Status s = cmd::ParseIntArg(args[2], &bit);
  if (!s.ok()) return s;
  if (bit != 0 && bit != 1) return Err(kBitposBitError);

  auto guard = ctx.locks().Lock(args[1]);
  Entry e;
  bool found;
  s = LookupRead(ctx, args[1], &e, &found);
  if (!s.ok()) return s;
  if (!found) {  // an endless run of 0 bits; the range is not even parsed
    reply->Integer(bit ? -1 : 0);
    return Status::OK();
  }
  if (e.type != ValueType::kString) return Status::WrongType();
  const auto* p = reinterpret_cast<const unsigned char*>(e.payload.data());
  const int64_t strlen = static_cast<int64_t>(e.payload.size());

  ByteRange r{0, strlen - 1};
  bool end_given = false;
  if (args.size() >= 4 && args.size() <= 6) {
    int64_t start, end;
    s = cmd::ParseIntArg(args[3], &start);
    if (!s.ok()) return s;
    bool is_bit = false;
    if (args.size() == 6) {
      s = ParseBitUnit(args[5], &is_bit);
      if (!s.ok()) return s;
    }
    if (args.size() >= 5) {
      s = cmd::ParseIntArg(args[4], &end);
      if (!s.ok()) return s;
      end_given = true;
    } else {
      end = is_bit ? (strlen << 3) + 7 : strlen - 1;
    }
    r = ResolveRange(start, end, strlen, is_bit);
  } else if (args.size() != 3) {
    return cmd::SyntaxError();
  }

  if (r.start > r.end) {  // an empty range holds neither a 0 nor a 1
    reply->Integer(-1);
    return Status::OK();
  }
  reply->Integer(BitposInRange(p, r, static_cast<int>(bit), end_given));
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// BITOP

enum class BitOp { kAnd, kOr, kXor, kNot };

Status CmdBitOp(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view opname = args[1];
  BitOp op;
  if (EqualsIgnoreCase(opname, "and")) {
    op = BitOp::kAnd;
  } else if (EqualsIgnoreCase(opname, "or")) {
    op = BitOp::kOr;
  } else if (EqualsIgnoreCase(opname, "xor")) {
    op = BitOp::kXor;
  } else if (EqualsIgnoreCase(opname, "not")) {
    op = BitOp::kNot;
  } else {
    return cmd::SyntaxError();
  }
  if (op == BitOp::kNot && args.size() != 4) return Err(kBitopNotError);

  std::string_view dest = args[2];
  auto guard = ctx.locks().LockAll(cmd::ArgSpan{args.data() + 2, args.size() - 2});

  // Fold the sources into `result` one at a time. A missing source is an empty string; a source
  // shorter than the result reads as zero bytes past its end, and so does the result past its
  // own end (every earlier source was zero there, and AND/OR/XOR of zeros is zero).
  std::string result;
  Entry e;
  for (size_t i = 3; i < args.size(); ++i) {
    bool found;
    Status s = LookupRead(ctx, args[i], &e, &found);
    if (!s.ok()) return s;
    if (found && e.type != ValueType::kString) return Status::WrongType();
    if (!found) e.payload.clear();
    const std::string& src = e.payload;
    if (i == 3) {
      result = src;
      if (op == BitOp::kNot) {
        for (char& c : result) c = static_cast<char>(~static_cast<unsigned char>(c));
      }
      continue;
    }
    if (src.size() > result.size()) result.resize(src.size(), '\0');
    const size_t n = src.size();
    switch (op) {
      case BitOp::kAnd:
        for (size_t j = 0; j < n; ++j) result[j] &= src[j];
        std::fill(result.begin() + static_cast<std::ptrdiff_t>(n), result.end(), '\0');
        break;
      case BitOp::kOr:
        for (size_t j = 0; j < n; ++j) result[j] |= src[j];
        break;
      case BitOp::kXor:
        for (size_t j = 0; j < n; ++j) result[j] ^= src[j];
        break;
      case BitOp::kNot:
        break;  // NOT has exactly one source
    }
  }

  // The destination is replaced whatever its type (and loses its expiry), or deleted when
  // every source was empty.
  if (!result.empty()) {
    Status s = ctx.storage().Put(dest, result, 0, ValueType::kString);
    if (!s.ok()) return s;
    MarkDirty(ctx);
  } else {
    Entry meta;
    bool existed;
    Status s = LookupMeta(ctx, dest, &meta, &existed);
    if (!s.ok()) return s;
    if (existed) {
      s = ctx.storage().Delete(dest);
      if (!s.ok()) return s;
      MarkDirty(ctx);
    }
  }
  reply->Integer(static_cast<int64_t>(result.size()));
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// BITFIELD / BITFIELD_RO

enum class FieldOpCode { kGet, kSet, kIncrBy };

struct FieldOp {
  uint64_t offset;
  int64_t value;  // SET's value or INCRBY's increment
  FieldOpCode code;
  Overflow overflow;
  int bits;
  bool is_signed;
};

// One reply element: an integer, or nil for a write refused by OVERFLOW FAIL.
struct FieldResult {
  int64_t value;
  bool is_nil;
};

// Applies one SET/INCRBY to `bytes` (already grown to cover it). Returns whether it changed the
// stored bits; *out is the reply element.
bool ApplyFieldWrite(const FieldOp& op, std::string* bytes, FieldResult* out) {
  uint64_t old_bits, new_bits;
  bool overflow;
  int64_t retval;
  if (op.is_signed) {
    const int64_t oldval = GetSignedField(*bytes, op.offset, op.bits);
    int64_t newval, wrapped = 0;
    if (op.code == FieldOpCode::kIncrBy) {
      overflow = CheckSignedOverflow(oldval, op.value, op.bits, op.overflow, &wrapped) != 0;
      newval = overflow ? wrapped
                        : static_cast<int64_t>(static_cast<uint64_t>(oldval) +
                                               static_cast<uint64_t>(op.value));
      retval = newval;
    } else {
      newval = op.value;
      overflow = CheckSignedOverflow(newval, 0, op.bits, op.overflow, &wrapped) != 0;
      if (overflow) newval = wrapped;
      retval = oldval;
    }
    old_bits = static_cast<uint64_t>(oldval);
    new_bits = static_cast<uint64_t>(newval);
  } else {
    const uint64_t oldval = GetUnsignedField(*bytes, op.offset, op.bits);
    uint64_t newval, wrapped = 0;
    if (op.code == FieldOpCode::kIncrBy) {
      newval = oldval + static_cast<uint64_t>(op.value);
      overflow = CheckUnsignedOverflow(oldval, op.value, op.bits, op.overflow, &wrapped) != 0;
      if (overflow) newval = wrapped;
      retval = static_cast<int64_t>(newval);
    } else {
      newval = static_cast<uint64_t>(op.value);
      overflow = CheckUnsignedOverflow(newval, 0, op.bits, op.overflow, &wrapped) != 0;
      if (overflow) newval = wrapped;
      retval = static_cast<int64_t>(oldval);
    }
    old_bits = oldval;
    new_bits = newval;
  }
  if (overflow && op.overflow == Overflow::kFail) {
    *out = {0, true};
    return false;
  }
  *out = {retval, false};
  SetUnsignedField(bytes, op.offset, op.bits, new_bits);
  return old_bits != new_bits;
}

FieldResult ApplyFieldGet(const FieldOp& op, std::string_view bytes) {
  if (op.is_signed) return {GetSignedField(bytes, op.offset, op.bits), false};
  return {static_cast<int64_t>(GetUnsignedField(bytes, op.offset, op.bits)), false};
}

Status BitfieldGeneric(CommandContext& ctx, const ArgList& args, bool read_only_cmd,
                       ReplyWriter* reply) {
  std::string_view key = args[1];
  // Parse every subcommand first: any error leaves the key untouched.
  std::vector<FieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  uint64_t highest_write_bit = 0;
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t remaining = args.size() - j - 1;
    std::string_view sub = args[j];
    FieldOpCode code;
    if (EqualsIgnoreCase(sub, "get") && remaining >= 2) {
      code = FieldOpCode::kGet;
    } else if (EqualsIgnoreCase(sub, "set") && remaining >= 3) {
      code = FieldOpCode::kSet;
    } else if (EqualsIgnoreCase(sub, "incrby") && remaining >= 3) {
      code = FieldOpCode::kIncrBy;
    } else if (EqualsIgnoreCase(sub, "overflow") && remaining >= 1) {
      std::string_view type = args[++j];
      if (EqualsIgnoreCase(type, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (EqualsIgnoreCase(type, "sat")) {
        overflow = Overflow::kSat;
      } else if (EqualsIgnoreCase(type, "fail")) {
        overflow = Overflow::kFail;
      } else {
        return Err(kOverflowTypeError);
      }
      continue;
    } else {
      return cmd::SyntaxError();
    }

    FieldOp op{0, 0, code, overflow, 0, false};
    Status s = ParseBitfieldType(args[j + 1], &op.is_signed, &op.bits);
    if (!s.ok()) return s;
    s = ParseBitOffset(ctx, args[j + 2], true, op.bits, &op.offset);
    if (!s.ok()) return s;
    if (code != FieldOpCode::kGet) {
      writes = true;
      highest_write_bit =
          std::max(highest_write_bit, op.offset + static_cast<uint64_t>(op.bits) - 1);
      s = cmd::ParseIntArg(args[j + 3], &op.value);
      if (!s.ok()) return s;
    }
    ops.push_back(op);
    j += code == FieldOpCode::kGet ? 2 : 3;
  }
  if (writes && read_only_cmd) return Err(kBitfieldRoError);

  auto guard = ctx.locks().Lock(key);
  Entry e;
  std::vector<FieldResult> results;
  results.reserve(ops.size());
  if (!writes) {
    bool found;
    Status s = LookupRead(ctx, key, &e, &found);
    if (!s.ok()) return s;
    if (found && e.type != ValueType::kString) return Status::WrongType();
    for (const FieldOp& op : ops) results.push_back(ApplyFieldGet(op, e.payload));
  } else {
    // The value grows to the farthest bit any write reaches, even if every write then fails
    // under OVERFLOW FAIL (Redis creates and pads the key all the same).
    bool grown;
    Status s = LookupStringForWrite(ctx, key, highest_write_bit >> 3, &e, &grown);
    if (!s.ok()) return s;
    uint64_t changes = 0;
    for (const FieldOp& op : ops) {
      FieldResult r;
      if (op.code == FieldOpCode::kGet) {
        r = ApplyFieldGet(op, e.payload);
      } else if (ApplyFieldWrite(op, &e.payload, &r) || (grown && !r.is_nil)) {
        ++changes;
      }
      results.push_back(r);
    }
    if (grown || changes != 0) {
      s = ctx.storage().Put(key, e.payload, e.expire_at_ms, e.type);
      if (!s.ok()) return s;
      MarkDirty(ctx, changes);
    }
  }

  reply->ArrayHeader(results.size());
  for (const FieldResult& r : results) {
    if (r.is_nil) {
      reply->Null();
    } else {
      reply->Integer(r.value);
    }
  }
  return Status::OK();
}

Status CmdBitField(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return BitfieldGeneric(ctx, args, false, reply);
}

Status CmdBitFieldRo(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return BitfieldGeneric(ctx, args, true, reply);
}

// ---------------------------------------------------------------------------------------------
// LCS

// One matched range of the IDX reply: [a_start, a_end] in the first string, [b_start, b_end] in
// the second.
struct LcsRange {
  uint32_t a_start, a_end, b_start, b_end;
};

Status CmdLcs(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view keys[2] = {args[1], args[2]};
  auto guard = ctx.locks().LockAll(keys);
  Entry ea, eb;
  bool found_a, found_b;
  Status s = LookupRead(ctx, args[1], &ea, &found_a);
  if (!s.ok()) return s;
  s = LookupRead(ctx, args[2], &eb, &found_b);
  if (!s.ok()) return s;
  if ((found_a && ea.type != ValueType::kString) || (found_b && eb.type != ValueType::kString)) {
    return Err(kLcsTypeError);  // not WRONGTYPE: LCS has its own text
  }
  if (!found_a) ea.payload.clear();
  if (!found_b) eb.payload.clear();
  const std::string& a = ea.payload;
  const std::string& b = eb.payload;

  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    std::string_view opt = args[j];
    const bool more = j + 1 < args.size();
    if (EqualsIgnoreCase(opt, "idx")) {
      getidx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      getlen = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      withmatchlen = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && more) {
      s = cmd::ParseIntArg(args[++j], &minmatchlen);
      if (!s.ok()) return s;
      if (minmatchlen < 0) minmatchlen = 0;
    } else {
      return cmd::SyntaxError();
    }
  }
  if (getlen && getidx) return Err(kLcsLenIdxError);

  // Size limits: Redis's (the notional uint32 table of (alen+1)*(blen+1) cells may not exceed
  // proto-max-bulk-len), then ringkv's fixed ceiling (see the note at the top).
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) return Err(kLcsTooLongError);
  const uint32_t alen = static_cast<uint32_t>(a.size());
  const uint32_t blen = static_cast<uint32_t>(b.size());
  const uint64_t cells = (uint64_t{alen} + 1) * (uint64_t{blen} + 1);
  if (cells * sizeof(uint32_t) > ProtoMaxBulkLen(ctx)) return Err(kLcsOverBulkLenError);
  if (cells > kLcsMaxCells) return Err(kLcsOverCapError);

  // Dynamic programming over two rows of LCS lengths. For the walk back, each cell (i, j) keeps
  // one bit: LCS(i-1, j) > LCS(i, j-1), the comparison Redis's walk makes on its full table.
  const bool computelcs = getidx || !getlen;
  std::vector<uint32_t> prev, cur;
  std::vector<uint64_t> up;  // bit (i-1)*blen + (j-1) for cell (i, j)
  try {
    prev.assign(size_t{blen} + 1, 0);
    cur.assign(size_t{blen} + 1, 0);
    if (computelcs) up.assign(static_cast<size_t>((uint64_t{alen} * blen + 63) / 64), 0);
  } catch (const std::bad_alloc&) {
    return Err(kLcsAllocError);
  }
  for (uint32_t i = 1; i <= alen; ++i) {
    const uint64_t row_bit = uint64_t{i - 1} * blen;
    for (uint32_t j = 1; j <= blen; ++j) {
      if (a[i - 1] == b[j - 1]) {
        cur[j] = prev[j - 1] + 1;
      } else {
        const uint32_t l1 = prev[j], l2 = cur[j - 1];
        cur[j] = std::max(l1, l2);
        if (computelcs && l1 > l2) {
          const uint64_t bit = row_bit + j - 1;
          up[bit >> 6] |= uint64_t{1} << (bit & 63);
        }
      }
    }
    std::swap(prev, cur);
  }
  const uint32_t lcs_len = prev[blen];
  if (!computelcs) {
    reply->Integer(lcs_len);
    return Status::OK();
  }

  // Walk back from (alen, blen) as Redis does, building the string and the matched ranges.
  std::string result(lcs_len, '\0');
  std::vector<LcsRange> ranges;
  uint32_t idx = lcs_len;
  uint32_t arange_start = alen, arange_end = 0, brange_start = 0, brange_end = 0;
  uint32_t i = alen, j = blen;
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (arange_start == alen) {  // a new range
        arange_start = arange_end = i - 1;
        brange_start = brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {  // extends the range backwards
        --arange_start;
        --brange_start;
      } else {
        emit = true;
      }
      if (arange_start == 0 || brange_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      const uint64_t bit = uint64_t{i - 1} * blen + (j - 1);
      if ((up[bit >> 6] >> (bit & 63)) & 1) {
        --i;
      } else {
        --j;
      }
      if (arange_start != alen) emit = true;
    }
    if (emit) {
      const uint32_t match_len = arange_end - arange_start + 1;
      if (getidx && (minmatchlen == 0 || match_len >= minmatchlen)) {
        ranges.push_back({arange_start, arange_end, brange_start, brange_end});
      }
      arange_start = alen;
    }
  }

  if (!getidx) {
    reply->Bulk(result);
    return Status::OK();
  }
  reply->MapHeader(2);
  reply->Bulk("matches");
  reply->ArrayHeader(ranges.size());
  for (const LcsRange& r : ranges) {
    reply->ArrayHeader(withmatchlen ? 3 : 2);
    reply->ArrayHeader(2);
    reply->Integer(r.a_start);
    reply->Integer(r.a_end);
    reply->ArrayHeader(2);
    reply->Integer(r.b_start);
    reply->Integer(r.b_end);
    if (withmatchlen) reply->Integer(int64_t{r.a_end} - r.a_start + 1);
  }
  reply->Bulk("len");
  reply->Integer(lcs_len);
  return Status::OK();
}

}  // namespace

void RegisterBitmapCommands(CommandTable& table) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kM = kCmdDenyOom;
  constexpr uint32_t kF = kCmdFast;
  // Values from Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
  const cmd::CommandDef defs[] = {
      {"setbit", 4, kW | kM, 1, 1, 1, CmdSetBit,
       "Sets or clears the bit at offset in the string value stored at key", "2.2.0", "O(1)"},
      {"getbit", 3, kR | kF, 1, 1, 1, CmdGetBit,
       "Returns the bit value at offset in the string value stored at key", "2.2.0", "O(1)"},
      {"bitcount", -2, kR, 1, 1, 1, CmdBitCount, "Count set bits in a string", "2.6.0", "O(N)"},
      {"bitpos", -3, kR, 1, 1, 1, CmdBitPos, "Find first bit set or clear in a string", "2.8.7",
       "O(N)"},
      {"bitop", -4, kW | kM, 2, -1, 1, CmdBitOp, "Perform bitwise operations between strings",
       "2.6.0", "O(N)"},
      {"bitfield", -2, kW | kM, 1, 1, 1, CmdBitField,
       "Perform arbitrary bitfield integer operations on strings", "3.2.0",
       "O(1) for each subcommand specified"},
      {"bitfield_ro", -2, kR | kF, 1, 1, 1, CmdBitFieldRo,
       "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
       "6.0.0", "O(1) for each subcommand specified"},
      {"lcs", -3, kR, 1, 2, 1, CmdLcs, "Find longest common substring", "7.0.0",
       "O(N*M) where N and M are the lengths of s1 and s2, respectively", "string"},
  };
  cmd::RegisterAll(table, "bitmap", defs, std::size(defs));
}

}  // namespace ringkv
