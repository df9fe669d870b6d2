// Hash commands (issue 10): HSET, HSETNX, HMSET, HGET, HMGET, HGETALL, HKEYS, HVALS, HLEN,
// HSTRLEN, HEXISTS, HDEL, HINCRBY, HINCRBYFLOAT, HRANDFIELD and HSCAN, with Redis 7.0.15's
// replies, error texts and argument checks (t_hash.c, db.c scanGenericCommand).
//
// Storage: a hash is one metadata record (size) plus one element record per field, sub = field,
// value = the field's value (storage/collections.h). Fields therefore come out of an iterator in
// bytewise field order; Redis's order is insertion order (listpack) or dict order, which clients
// treat as unspecified. Point commands read one element; whole-hash replies stream from an
// iterator with meta.size as the header, so HGETALL of a huge hash copies nothing but its reply.
//
// Every handler takes its key's stripe lock once, before reading, so a read sees one state and a
// read-modify-write (HINCRBY) cannot interleave with another worker's write. A handler that
// changes elements writes them and the metadata in one batch (cmd::Commit), which also deletes
// the key when its last field goes, as Redis does.
//
// HRANDFIELD: no random access exists in an ordered store, so a random field is the one at a
// uniformly drawn index, reached by a walk. Counts follow Redis's rules and limits; memory never
// exceeds what the reply holds anyway (see RandomFields). A reply that outgrows the client's hard
// output limit (or kMaxRandomReplyBytes without one) stops and the client is closed, as Redis
// stops and closes a client over client-output-buffer-limit.
//
// HSCAN: a hash that Redis would keep as a listpack (hash-max-listpack-entries/-value) is
// returned whole with cursor 0, as Redis does. A bigger one pages in field order: the cursor
// stands for "resume at field F". F itself lives in a small process-wide table (ScanCursors);
// the cursor number holds its table ticket and F's first 5 bytes, so a cursor whose entry was
// overwritten (or that comes back after a restart) resumes at that 5-byte prefix: fields may then
// repeat, never go missing, which is SCAN's guarantee.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/cmd_util.h"
#include "commands/collection.h"
#include "errors.h"
#include "server_state.h"
#include "storage/storage.h"
#include "util.h"

namespace ringkv {
namespace {

using cmd::Collection;
using cmd::MarkDirty;
using cmd::RandomBelow;
using resp::ReplyWriter;
using storage::ValueType;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

constexpr std::string_view kHashNotInteger = "hash value is not an integer";
constexpr std::string_view kHashNotFloat = "hash value is not a float";
constexpr std::string_view kIncrNanOrInf = "value is NaN or Infinity";

// A random-element reply larger than this closes the client when no hard output limit is set:
// Redis would grow it until memory runs out (HRANDFIELD h -9223372036854775807).
constexpr size_t kMaxRandomReplyBytes = size_t{1} << 30;

Status Err(std::string_view msg) { return Status::Err(std::string(msg)); }

Status OpenHash(CommandContext& ctx, std::string_view key, Collection* h, bool read = false) {
  return cmd::OpenCollection(ctx, key, ValueType::kHash, h, read);
}

// The element keys of one hash incarnation, built from its prefix once (Collection::Element
// hashes the key again for every call). Of() returns a buffer reused by the next call.
class ElementKeys {
 public:
  explicit ElementKeys(const Collection& h) : buf_(h.Prefix()), prefix_len_(buf_.size()) {}
  const std::string& Of(std::string_view field) {
    buf_.resize(prefix_len_);
    buf_.append(field.data(), field.size());
    return buf_;
  }
  // The field of an element key of this incarnation.
  std::string_view FieldOf(std::string_view element_key) const {
    return element_key.substr(prefix_len_);
  }

 private:
  std::string buf_;
  size_t prefix_len_;
};

// Redis's string2ld (util.c), used for the increment and the stored value of HINCRBYFLOAT: the
// whole string, no leading space, shorter than 5 KiB, not NaN, and neither overflowing nor
// underflowing to zero.
bool StringToLongDouble(std::string_view s, long double* out) {
  constexpr size_t kMaxChars = 5 * 1024;
  if (s.empty() || s.size() >= kMaxChars) return false;
  char buf[kMaxChars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  errno = 0;
  char* end;
  long double v = std::strtold(buf, &end);
  if (static_cast<size_t>(end - buf) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || std::fpclassify(v) == FP_ZERO)) return false;
  if (errno == EINVAL || std::isnan(v)) return false;
  *out = v;
  return true;
}

// Whether `field` exists in h (false, OK when h does not exist).
Status FieldExists(CommandContext& ctx, const Collection& h, const std::string& element_key,
                   bool* exists) {
  *exists = false;
  if (!h.exists) return Status::OK();
  std::string ignored;
  Status s = ctx.storage().GetElement(element_key, &ignored);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  *exists = true;
  return Status::OK();
}

Status SizeMismatch() { return Status::Corruption("hash size does not match its fields"); }

// ---------------------------------------------------------------------------------------------
// Writes

// HSET / HMSET key field value [field value ...]: the same work, different replies.
Status SetFields(CommandContext& ctx, const ArgList& args, bool hmset, ReplyWriter* reply) {
  if (args.size() % 2 == 1) return Status::Err(errors::WrongArgs(ctx.cmd->name));
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h);
  if (!s.ok()) return s;

  ElementKeys keys(h);
  storage::WriteBatch batch;
  std::unordered_set<std::string_view> written;  // a field named twice is created once
  int64_t created = 0;
  for (size_t i = 2; i < args.size(); i += 2) {
    const std::string& ekey = keys.Of(args[i]);
    if (written.insert(args[i]).second) {
      bool exists;
      s = FieldExists(ctx, h, ekey, &exists);
      if (!s.ok()) return s;
      if (!exists) {
        ++created;
        ++h.meta.size;
      }
    }
    batch.PutElement(ekey, args[i + 1]);
  }
  s = cmd::Commit(ctx, h, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx, (args.size() - 2) / 2);
  if (hmset) {
    reply->Ok();
  } else {
    reply->Integer(created);
  }
  return Status::OK();
}

Status CmdHSet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetFields(ctx, args, false, reply);
}

Status CmdHMSet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetFields(ctx, args, true, reply);
}

Status CmdHSetNx(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h);
  if (!s.ok()) return s;
  std::string ekey = h.Element(args[2]);
  bool exists;
  s = FieldExists(ctx, h, ekey, &exists);
  if (!s.ok()) return s;
  if (exists) {
    reply->Integer(0);
    return Status::OK();
  }
  storage::WriteBatch batch;
  batch.PutElement(ekey, args[3]);
  ++h.meta.size;
  s = cmd::Commit(ctx, h, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(1);
  return Status::OK();
}

Status CmdHDel(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h);
  if (!s.ok()) return s;
  if (!h.exists) {
    reply->Integer(0);
    return Status::OK();
  }
  ElementKeys keys(h);
  storage::WriteBatch batch;
  std::unordered_set<std::string_view> deleted_fields;
  int64_t deleted = 0;
  for (size_t i = 2; i < args.size() && h.meta.size > 0; ++i) {
    if (deleted_fields.count(args[i]) != 0) continue;
    const std::string& ekey = keys.Of(args[i]);
    bool exists;
    s = FieldExists(ctx, h, ekey, &exists);
    if (!s.ok()) return s;
    if (!exists) continue;
    deleted_fields.insert(args[i]);
    batch.DeleteElement(ekey);
    --h.meta.size;
    ++deleted;
  }
  if (deleted > 0) {
    s = cmd::Commit(ctx, h, &batch);  // deletes the key with its last field
    if (!s.ok()) return s;
    MarkDirty(ctx, static_cast<uint64_t>(deleted));
  }
  reply->Integer(deleted);
  return Status::OK();
}

// Reads field `field` of h for an increment: *found false when absent.
Status ReadForIncrement(CommandContext& ctx, const Collection& h, const std::string& ekey,
                        std::string* value, bool* found) {
  *found = false;
  if (!h.exists) return Status::OK();
  Status s = ctx.storage().GetElement(ekey, value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  *found = true;
  return Status::OK();
}

// Writes the new value of an incremented field (creating the hash or the field if needed).
Status StoreIncrement(CommandContext& ctx, Collection* h, const std::string& ekey, bool found,
                      std::string_view value) {
  storage::WriteBatch batch;
  batch.PutElement(ekey, value);
  if (!found) ++h->meta.size;
  Status s = cmd::Commit(ctx, *h, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  return Status::OK();
}

Status CmdHIncrBy(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t incr;
  Status s = cmd::ParseIntArg(args[3], &incr);
  if (!s.ok()) return s;
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  s = OpenHash(ctx, key, &h);
  if (!s.ok()) return s;
  std::string ekey = h.Element(args[2]);
  std::string old;
  bool found;
  s = ReadForIncrement(ctx, h, ekey, &old, &found);
  if (!s.ok()) return s;
  int64_t value = 0;
  if (found && !ParseInt64(old, &value)) return Err(kHashNotInteger);
  if ((incr < 0 && value < 0 && incr < kInt64Min - value) ||
      (incr > 0 && value > 0 && incr > kInt64Max - value)) {
    return Err(errors::kOverflow);
  }
  value += incr;
  s = StoreIncrement(ctx, &h, ekey, found, std::to_string(value));
  if (!s.ok()) return s;
  reply->Integer(value);
  return Status::OK();
}

Status CmdHIncrByFloat(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  long double incr;
  if (!StringToLongDouble(args[3], &incr)) return Err(errors::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return Err(kIncrNanOrInf);
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h);
  if (!s.ok()) return s;
  std::string ekey = h.Element(args[2]);
  std::string old;
  bool found;
  s = ReadForIncrement(ctx, h, ekey, &old, &found);
  if (!s.ok()) return s;
  long double value = 0;
  if (found && !StringToLongDouble(old, &value)) return Err(kHashNotFloat);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return Err(errors::kNanOrInf);
  // ld2string(LD_STR_HUMAN): "%.17Lf", trailing zeros trimmed.
  std::string text = FormatLongDouble(value);
  s = StoreIncrement(ctx, &h, ekey, found, text);
  if (!s.ok()) return s;
  reply->Bulk(text);  // a bulk string in RESP3 too, as Redis does
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Point reads

Status CmdHGet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h, /*read=*/true);
  if (!s.ok()) return s;
  std::string value;
  if (h.exists) {
    s = cmd::GetElement(ctx, h, args[2], &value);
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  if (h.exists && s.ok()) {
    reply->Bulk(value);
  } else {
    reply->Null();
  }
  return Status::OK();
}

Status CmdHMGet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h, /*read=*/true);
  if (!s.ok()) return s;
  cmd::ReplyMark mark(reply);
  reply->ArrayHeader(args.size() - 2);
  ElementKeys keys(h);
  std::string value;
  for (size_t i = 2; i < args.size(); ++i) {
    if (!h.exists) {
      reply->Null();
      continue;
    }
    s = ctx.storage().GetElement(keys.Of(args[i]), &value);
    if (s.ok()) {
      reply->Bulk(value);
    } else if (s.IsNotFound()) {
      reply->Null();
    } else {
      return mark.Rewind(std::move(s));
    }
  }
  return Status::OK();
}

Status CmdHLen(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h, /*read=*/true);
  if (!s.ok()) return s;
  reply->Integer(h.exists ? static_cast<int64_t>(h.meta.size) : 0);
  return Status::OK();
}

// HSTRLEN (the value's length) and HEXISTS (1/0): one element read, 0 when absent.
Status FieldInfo(CommandContext& ctx, const ArgList& args, bool strlen, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h, /*read=*/true);
  if (!s.ok()) return s;
  int64_t answer = 0;
  if (h.exists) {
    std::string value;
    s = cmd::GetElement(ctx, h, args[2], &value);
    if (s.ok()) {
      answer = strlen ? static_cast<int64_t>(value.size()) : 1;
    } else if (!s.IsNotFound()) {
      return s;
    }
  }
  reply->Integer(answer);
  return Status::OK();
}

Status CmdHStrLen(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return FieldInfo(ctx, args, true, reply);
}

Status CmdHExists(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return FieldInfo(ctx, args, false, reply);
}

// ---------------------------------------------------------------------------------------------
// Whole-hash reads

enum HashParts : uint32_t { kFields = 1, kValues = 2 };

// HGETALL (a map), HKEYS, HVALS (arrays), streamed from one iterator.
Status GetAllGeneric(CommandContext& ctx, const ArgList& args, uint32_t parts, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h, /*read=*/true);
  if (!s.ok()) return s;
  const bool both = parts == (kFields | kValues);
  const uint64_t size = h.exists ? h.meta.size : 0;
  cmd::ReplyMark mark(reply);
  if (both) {
    reply->MapHeader(size);  // RESP2: a flat array of 2 * size
  } else {
    reply->ArrayHeader(size);
  }
  if (size == 0) return Status::OK();
  ElementKeys keys(h);
  uint64_t seen = 0;
  std::unique_ptr<storage::ElementIterator> it = cmd::Elements(ctx, h);
  for (; it->Valid(); it->Next()) {
    if (++seen > size) return mark.Rewind(SizeMismatch());
    if (parts & kFields) reply->Bulk(keys.FieldOf(it->key()));
    if (parts & kValues) reply->Bulk(it->value());
  }
  if (!it->status().ok()) return mark.Rewind(it->status());
  if (seen != size) return mark.Rewind(SizeMismatch());
  return Status::OK();
}

Status CmdHGetAll(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return GetAllGeneric(ctx, args, kFields | kValues, reply);
}

Status CmdHKeys(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return GetAllGeneric(ctx, args, kFields, reply);
}

Status CmdHVals(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return GetAllGeneric(ctx, args, kValues, reply);
}

// ---------------------------------------------------------------------------------------------
// HRANDFIELD

// Writes random-field replies and watches their size (see the design note).
class RandomReply {
 public:
  RandomReply(CommandContext& ctx, ReplyWriter* reply, bool withvalues)
      : ctx_(ctx), reply_(reply), withvalues_(withvalues) {
    int64_t hard;
    {
      std::lock_guard<std::mutex> g(ctx.config().mu());
      hard = ctx.config().output_limit_normal.hard;
    }
    limit_ = hard > 0 ? static_cast<size_t>(hard) : kMaxRandomReplyBytes;
  }

  // The array header for n picks: RESP2 flattens field/value pairs, RESP3 nests them.
  void Header(uint64_t n) { reply_->ArrayHeader(withvalues_ && reply_->proto() == 2 ? n * 2 : n); }
  void Pick(std::string_view field, std::string_view value) {
    if (withvalues_ && reply_->proto() > 2) reply_->ArrayHeader(2);
    reply_->Bulk(field);
    if (withvalues_) reply_->Bulk(value);
  }
  // True when the reply outgrew the limit: the caller stops, and the client is closed after
  // this (incomplete) reply, as Redis closes a client over its output buffer limit.
  bool Overflowing() {
    if (reply_->buffer()->size() <= limit_) return false;
    ctx_.client.close_after_reply = true;
    return true;
  }

 private:
  CommandContext& ctx_;
  ReplyWriter* reply_;
  bool withvalues_;
  size_t limit_;
};

// Emits `count` picks (with repeats, in random order) from h, which has `size` > 0 fields.
// Memory: a copy of the hash when count >= size (the reply holds count >= size fields anyway),
// else the count picked fields (a walk to sorted random indexes fills them, then they are
// emitted in draw order).
Status RandomWithRepeats(CommandContext& ctx, const Collection& h, uint64_t count,
                         RandomReply* out) {
  const uint64_t size = h.meta.size;
  ElementKeys keys(h);
  std::unique_ptr<storage::ElementIterator> it = cmd::Elements(ctx, h);
  if (count >= size) {
    std::vector<std::pair<std::string, std::string>> all;
    all.reserve(size);
    for (; it->Valid(); it->Next()) {
      if (all.size() == size) return SizeMismatch();
      all.emplace_back(std::string(keys.FieldOf(it->key())), std::string(it->value()));
    }
    if (!it->status().ok()) return it->status();
    if (all.size() != size) return SizeMismatch();
    for (uint64_t i = 0; i < count; ++i) {
      const auto& [field, value] = all[RandomBelow(size)];
      out->Pick(field, value);
      if ((i & 255) == 0 && out->Overflowing()) break;
    }
    return Status::OK();
  }

  struct Draw {
    uint64_t index;
    uint64_t slot;
  };
  std::vector<Draw> draws(count);
  for (uint64_t i = 0; i < count; ++i) draws[i] = {RandomBelow(size), i};
  std::sort(draws.begin(), draws.end(),
            [](const Draw& a, const Draw& b) { return a.index < b.index; });
  std::vector<std::pair<std::string, std::string>> picked(count);
  uint64_t pos = 0;
  for (const Draw& d : draws) {
    for (; pos < d.index && it->Valid(); ++pos) it->Next();
    if (!it->Valid()) return it->status().ok() ? SizeMismatch() : it->status();
    picked[d.slot] = {std::string(keys.FieldOf(it->key())), std::string(it->value())};
  }
  for (uint64_t i = 0; i < count; ++i) {
    out->Pick(picked[i].first, picked[i].second);
    if ((i & 255) == 0 && out->Overflowing()) break;
  }
  return Status::OK();
}

// Emits min(count, size) distinct fields in field order: the whole hash when count >= size,
// else selection sampling (Knuth's algorithm S) over one walk, with no memory beyond the reply.
Status RandomDistinct(CommandContext& ctx, const Collection& h, uint64_t count, RandomReply* out) {
  const uint64_t size = h.meta.size;
  ElementKeys keys(h);
  std::unique_ptr<storage::ElementIterator> it = cmd::Elements(ctx, h);
  uint64_t needed = std::min(count, size);
  uint64_t remaining = size;
  for (; it->Valid() && needed > 0; it->Next()) {
    if (remaining == 0) return SizeMismatch();
    if (RandomBelow(remaining) < needed) {
      out->Pick(keys.FieldOf(it->key()), it->value());
      --needed;
    }
    --remaining;
  }
  if (!it->status().ok()) return it->status();
  if (needed > 0) return SizeMismatch();
  return Status::OK();
}

// HRANDFIELD key count [WITHVALUES]: hrandfieldWithCountCommand.
Status RandomFieldsWithCount(CommandContext& ctx, std::string_view key, int64_t l, bool withvalues,
                             ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h, /*read=*/true);
  if (!s.ok()) return s;
  if (!h.exists || l == 0) {
    reply->ArrayHeader(0);  // an empty array in RESP3 too
    return Status::OK();
  }
  const bool repeats = l < 0;
  const uint64_t count = repeats ? static_cast<uint64_t>(-l) : static_cast<uint64_t>(l);
  cmd::ReplyMark mark(reply);
  RandomReply out(ctx, reply, withvalues);
  // Redis serves count 1 like a negative count; one pick is one pick either way.
  if (repeats || count == 1) {
    out.Header(count);
    s = RandomWithRepeats(ctx, h, count, &out);
  } else {
    out.Header(std::min(count, h.meta.size));
    s = RandomDistinct(ctx, h, count, &out);
  }
  if (!s.ok()) return mark.Rewind(std::move(s));
  return Status::OK();
}

Status CmdHRandField(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  if (args.size() >= 3) {
    int64_t l;
    bool withvalues = false;
    Status s = cmd::ParseRandomOptions(args, "withvalues", &l, &withvalues);
    if (!s.ok()) return s;
    return RandomFieldsWithCount(ctx, key, l, withvalues, reply);
  }

  auto guard = ctx.locks().Lock(key);
  Collection h;
  Status s = OpenHash(ctx, key, &h, /*read=*/true);
  if (!s.ok()) return s;
  if (!h.exists) {
    reply->Null();
    return Status::OK();
  }
  ElementKeys keys(h);
  std::unique_ptr<storage::ElementIterator> it = cmd::Elements(ctx, h);
  for (uint64_t skip = RandomBelow(h.meta.size); skip > 0 && it->Valid(); --skip) it->Next();
  if (!it->Valid()) return it->status().ok() ? SizeMismatch() : it->status();
  reply->Bulk(keys.FieldOf(it->key()));
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// HSCAN

// Where big-hash HSCAN cursors resume (see the design note). A cursor is
//   [0:1][first 5 bytes of the resume field, zero-padded: 40 bits][ticket: 23 bits]
// (below 2^63, so clients that parse it as a signed 64-bit integer are fine, and never 0).
// The ticket names a slot holding the resume field (at most kMaxStoredField bytes of it), the
// hashed qualified key it belongs to and the ticket itself; a slot overwritten since, or another
// key, falls back to the prefix bits. Thread-safe (one mutex; HSCAN is not a hot path).
class ScanCursors {
 public:
  static constexpr int kTicketBits = 23;
  static constexpr uint64_t kTicketMask = (uint64_t{1} << kTicketBits) - 1;
  static constexpr size_t kPrefixBytes = 5;
  static constexpr size_t kSlots = size_t{1} << 15;
  static constexpr size_t kMaxStoredField = 512;

  uint64_t Issue(uint64_t key_hash, std::string_view resume) {
    std::lock_guard<std::mutex> g(mu_);
    const uint64_t ticket = next_ticket_;
    next_ticket_ = next_ticket_ == kTicketMask ? 1 : next_ticket_ + 1;
    Slot& slot = slots_[ticket % kSlots];
    slot.ticket = ticket;
    slot.key_hash = key_hash;
    slot.field.assign(resume.substr(0, kMaxStoredField));
    return (PrefixBits(resume) << kTicketBits) | ticket;
  }

  // Where to resume for `cursor` (non-zero): the field it was issued for (or a prefix of it)
  // when the table still holds its slot, else the prefix bits of the cursor. Either is at or
  // before the first field the previous call did not examine, so no field is skipped.
  std::string Resume(uint64_t cursor, uint64_t key_hash) {
    const uint64_t ticket = cursor & kTicketMask;
    const uint64_t prefix = (cursor >> kTicketBits) & ((uint64_t{1} << (8 * kPrefixBytes)) - 1);
    {
      std::lock_guard<std::mutex> g(mu_);
      const Slot& slot = slots_[ticket % kSlots];
      if (ticket != 0 && slot.ticket == ticket && slot.key_hash == key_hash &&
          PrefixBits(slot.field) == prefix) {
        return slot.field;
      }
    }
    // The prefix, without its zero padding: a prefix of the resume field, so not after it.
    std::string out(kPrefixBytes, '\0');
    for (size_t i = 0; i < kPrefixBytes; ++i) {
      out[i] = static_cast<char>((prefix >> (8 * (kPrefixBytes - 1 - i))) & 0xff);
    }
    while (!out.empty() && out.back() == '\0') out.pop_back();
    return out;
  }

 private:
  struct Slot {
    uint64_t ticket = 0;
    uint64_t key_hash = 0;
    std::string field;
  };

  static uint64_t PrefixBits(std::string_view field) {
    uint64_t bits = 0;
    for (size_t i = 0; i < kPrefixBytes; ++i) {
      bits = (bits << 8) | (i < field.size() ? static_cast<uint8_t>(field[i]) : 0);
    }
    return bits;
  }

  std::mutex mu_;
  uint64_t next_ticket_ = 1;
  std::vector<Slot> slots_ = std::vector<Slot>(kSlots);
};

ScanCursors& Cursors() {
  static ScanCursors* cursors = new ScanCursors();  // never destroyed: used until exit
  return *cursors;
}

// Whether Redis would keep h as a listpack (and so answer HSCAN whole, with cursor 0): at most
// hash-max-listpack-entries fields, each field and value at most hash-max-listpack-value bytes.
// (Redis never converts back after a hash outgrew the listpack; this looks only at the present.)
Status ScanAllAtOnce(CommandContext& ctx, const Collection& h, const cmd::ScanOptions& opt,
                     ReplyWriter* items, uint64_t* n_items, bool* done) {
  *done = false;
  const int64_t max_entries = ctx.config().hash_max_listpack_entries.load();
  const int64_t max_value = ctx.config().hash_max_listpack_value.load();
  if (h.meta.size > static_cast<uint64_t>(max_entries)) return Status::OK();
  const size_t max_len = static_cast<size_t>(max_value);
  ElementKeys keys(h);
  std::unique_ptr<storage::ElementIterator> it = cmd::Elements(ctx, h);
  uint64_t n = 0;
  for (; it->Valid(); it->Next()) {
    std::string_view field = keys.FieldOf(it->key());
    if (field.size() > max_len || it->value().size() > max_len) return Status::OK();
    if (!opt.Matches(field)) continue;
    items->Bulk(field);
    items->Bulk(it->value());
    n += 2;
  }
  if (!it->status().ok()) return it->status();
  *n_items = n;
  *done = true;
  return Status::OK();
}

// HSCAN key cursor [MATCH pattern] [COUNT count]: the cursor is checked first, then the key
// (a missing key answers an empty scan whatever the options), then the options.
Status CmdHScan(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  uint64_t cursor;
  Collection h;
  cmd::ScanOptions opt;
  bool open;
  Status s = cmd::OpenForScan(ctx, args, ValueType::kHash, &cursor, &h, &opt, reply, &open);
  if (!open) return s;

  // The items go to a side buffer first: the array header needs their number.
  std::string item_bytes;
  ReplyWriter items(&item_bytes, reply->proto());
  uint64_t n_items = 0;
  bool done;
  s = ScanAllAtOnce(ctx, h, opt, &items, &n_items, &done);
  if (!s.ok()) return s;
  uint64_t next_cursor = 0;
  if (!done) {
    item_bytes.clear();
    n_items = 0;
    ElementKeys keys(h);
    const uint64_t key_hash = std::hash<std::string_view>()(h.qualified);
    std::unique_ptr<storage::ElementIterator> it =
        cursor == 0 ? cmd::Elements(ctx, h)
                    : cmd::ElementRange(ctx, h, Cursors().Resume(cursor, key_hash), "");
    // `count` fields are examined. A resume field longer than the cursor table keeps is stored
    // truncated, so the fields sharing that truncated prefix are all taken in this call (else a
    // crowd of them could make a cursor that never moves on).
    uint64_t examined = 0;
    std::string group;
    bool in_group = false;
    for (; it->Valid(); it->Next()) {
      std::string_view field = keys.FieldOf(it->key());
      if (examined >= static_cast<uint64_t>(opt.count)) {
        if (!in_group) {
          if (field.size() <= ScanCursors::kMaxStoredField) break;
          group.assign(field.substr(0, ScanCursors::kMaxStoredField));
          in_group = true;
        } else if (field.substr(0, group.size()) != group) {
          break;
        }
      }
      ++examined;
      if (!opt.Matches(field)) continue;
      items.Bulk(field);
      items.Bulk(it->value());
      n_items += 2;
    }
    if (!it->status().ok()) return it->status();
    if (it->Valid()) next_cursor = Cursors().Issue(key_hash, keys.FieldOf(it->key()));
  }

  reply->ArrayHeader(2);
  reply->Bulk(std::to_string(next_cursor));
  reply->ArrayHeader(n_items);
  reply->Raw(item_bytes);
  return Status::OK();
}

}  // namespace

void RegisterHashCommands(CommandTable& table) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kM = kCmdDenyOom;
  constexpr uint32_t kF = kCmdFast;
  // Values from Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
  const cmd::CommandDef defs[] = {
      {"hset", -4, kW | kM | kF, 1, 1, 1, CmdHSet, "Set the string value of a hash field", "2.0.0",
       "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the "
       "command is called with multiple field/value pairs."},
      {"hsetnx", 4, kW | kM | kF, 1, 1, 1, CmdHSetNx,
       "Set the value of a hash field, only if the field does not exist", "2.0.0", "O(1)"},
      {"hmset", -4, kW | kM | kF, 1, 1, 1, CmdHMSet, "Set multiple hash fields to multiple values",
       "2.0.0", "O(N) where N is the number of fields being set."},
      {"hget", 3, kR | kF, 1, 1, 1, CmdHGet, "Get the value of a hash field", "2.0.0", "O(1)"},
      {"hmget", -3, kR | kF, 1, 1, 1, CmdHMGet, "Get the values of all the given hash fields",
       "2.0.0", "O(N) where N is the number of fields being requested."},
      {"hgetall", 2, kR, 1, 1, 1, CmdHGetAll, "Get all the fields and values in a hash", "2.0.0",
       "O(N) where N is the size of the hash."},
      {"hkeys", 2, kR, 1, 1, 1, CmdHKeys, "Get all the fields in a hash", "2.0.0",
       "O(N) where N is the size of the hash."},
      {"hvals", 2, kR, 1, 1, 1, CmdHVals, "Get all the values in a hash", "2.0.0",
       "O(N) where N is the size of the hash."},
      {"hlen", 2, kR | kF, 1, 1, 1, CmdHLen, "Get the number of fields in a hash", "2.0.0", "O(1)"},
      {"hstrlen", 3, kR | kF, 1, 1, 1, CmdHStrLen, "Get the length of the value of a hash field",
       "3.2.0", "O(1)"},
      {"hexists", 3, kR | kF, 1, 1, 1, CmdHExists, "Determine if a hash field exists", "2.0.0",
       "O(1)"},
      {"hdel", -3, kW | kF, 1, 1, 1, CmdHDel, "Delete one or more hash fields", "2.0.0",
       "O(N) where N is the number of fields to be removed."},
      {"hincrby", 4, kW | kM | kF, 1, 1, 1, CmdHIncrBy,
       "Increment the integer value of a hash field by the given number", "2.0.0", "O(1)"},
      {"hincrbyfloat", 4, kW | kM | kF, 1, 1, 1, CmdHIncrByFloat,
       "Increment the float value of a hash field by the given amount", "2.6.0", "O(1)"},
      {"hrandfield", -2, kR, 1, 1, 1, CmdHRandField,
       "Get one or multiple random fields from a hash", "6.2.0",
       "O(N) where N is the number of fields returned"},
      {"hscan", -3, kR, 1, 1, 1, CmdHScan,
       "Incrementally iterate hash fields and associated values", "2.8.0",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection.."},
  };
  cmd::RegisterAll(table, "hash", defs, std::size(defs));
}

}  // namespace ringkv
